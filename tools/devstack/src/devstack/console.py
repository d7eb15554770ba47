"""Messages of the runner itself, set apart from the output of the processes it runs."""

import sys

__all__ = ["say", "warn"]


def say(message: str) -> None:
    """Report progress."""
    print(f"sbctl | {message}", flush=True)


def warn(message: str) -> None:
    """Report a problem, on stderr."""
    print(f"sbctl | {message}", file=sys.stderr, flush=True)
