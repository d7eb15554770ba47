"""Turning SIGTERM into an exception while the runner sets up, and shielding its clean-up."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Terminated", "raise_on_sigterm", "shielded"]


class Terminated(Exception):
    """SIGTERM arrived: unwind, stopping whatever was started so far."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def raise_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C does (Python's default would exit without clean-up)."""
    signal.signal(signal.SIGTERM, _raise_terminated)


@contextmanager
def shielded() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM, so a second Ctrl-C cannot leave a database running."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
