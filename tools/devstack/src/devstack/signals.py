"""Turning SIGTERM and SIGHUP into an exception while the runner sets up, and shielding clean-up."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["STOP_SIGNALS", "Terminated", "raise_on_termination", "shielded"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived: unwind, stopping whatever was started so far."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def raise_on_termination() -> None:
    """Make SIGTERM and SIGHUP (terminal closed) unwind like Ctrl-C does.

    Python's default for both exits at once, skipping the clean-up that stops the databases.
    """
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGHUP, _raise_terminated)


@contextmanager
def shielded() -> Iterator[None]:
    """Ignore the stop signals, so a second Ctrl-C cannot leave a database running."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
