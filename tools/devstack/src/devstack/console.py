"""Output of the runner: its own messages, and a stdout that cannot break the shutdown."""

import sys
from typing import TextIO

__all__ = ["TolerantStdout", "say", "show", "warn"]


class TolerantStdout:
    """sys.stdout, minus the errors once its reader is gone (a closed terminal, a dead `tee`).

    honcho prints from its signal handler and the runner reports while it stops things; a
    BrokenPipeError there would abort the shutdown and leave what it started running.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._broken = False

    def write(self, text: str) -> int:
        """Write, or drop the text for good once the stream has failed."""
        if not self._broken:
            try:
                return self._stream.write(text)
            except (OSError, ValueError):
                self._broken = True
        return len(text)

    def flush(self) -> None:
        """Flush, with the same tolerance."""
        if not self._broken:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._broken = True

    def isatty(self) -> bool:
        """honcho colours its prefixes on a terminal."""
        try:
            return not self._broken and self._stream.isatty()
        except (OSError, ValueError):
            return False


_stdout = TolerantStdout()


def say(message: str) -> None:
    """Report progress."""
    print(f"sbctl | {message}", file=_stdout, flush=True)


def warn(message: str) -> None:
    """Report a problem, on stderr."""
    print(f"sbctl | {message}", file=TolerantStdout(sys.stderr), flush=True)


def show(text: str) -> None:
    """Print a block of text (the banner) as it is."""
    print(text, file=_stdout, flush=True)
