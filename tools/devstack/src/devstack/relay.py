"""Relaying the supervised processes' output: whole lines, each prefixed with who wrote it.

The relay handles bytes in chunks (whatever one `read(2)` of a pipe returned), never line by
line in Python: a chunk's lines get their prefix with one `bytes.replace`, and a round's chunks
leave in one `write(2)`. A service writes a log line per request; relaying must cost little next
to serving the request.
"""

import os
import select
import time
from collections.abc import Callable, Sequence

__all__ = ["Clock", "Lines", "Output", "labels"]

# honcho's palette, so a run looks as it did: cyan, yellow, green, magenta, red, blue, then bold.
_COLOURS = ("36", "33", "32", "35", "31", "34", "36;1", "33;1", "32;1", "35;1", "31;1", "34;1")


class Clock:
    """The time of day as `HH:MM:SS`, formatted once a second however often it is asked for."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._second = -1
        self._stamp = b""

    def stamp(self) -> bytes:
        """Now; the same object until the second changes (callers cache on it)."""
        second = int(self._now())
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%H:%M:%S", time.localtime(second)).encode()
        return self._stamp


def labels(names: Sequence[str], *, colour: bool) -> dict[str, tuple[bytes, bytes]]:
    """Per name, what goes before and after the time: `name | ` padded to the longest name.

    With `colour` (a terminal), each name gets its own colour, time included, as honcho did.
    """
    width = max(len(name) for name in names)
    result = {}
    for index, name in enumerate(names):
        tail = f" {name:<{width}} | "
        if colour:
            code = _COLOURS[index % len(_COLOURS)]
            result[name] = (f"\033[0m\033[{code}m".encode(), (tail + "\033[0m").encode())
        else:
            result[name] = (b"", tail.encode())
    return result


class Lines:
    """One process's output, cut into whole lines that each start with its prefix.

    A line split across two reads waits for its end; `finish` lets out what is left at EOF.
    """

    def __init__(self, label: tuple[bytes, bytes], clock: Clock) -> None:
        self._head, self._tail = label
        self._clock = clock
        self._pending = b""
        self._stamp = b""
        self._prefix = b""
        self._joint = b""

    def feed(self, chunk: bytes) -> bytes:
        """The complete lines so far, prefixed, each ending in a newline; b"" if none yet."""
        data = self._pending + chunk if self._pending else chunk
        end = data.rfind(b"\n")
        if end < 0:
            self._pending = data
            return b""
        self._pending = data[end + 1 :]
        return self._prefixed(data[:end])

    def finish(self) -> bytes:
        """What is left of a last line without a newline, prefixed and ended; b"" if none."""
        rest, self._pending = self._pending, b""
        return self._prefixed(rest) if rest else b""

    def _prefixed(self, body: bytes) -> bytes:
        stamp = self._clock.stamp()
        if stamp is not self._stamp:
            self._stamp = stamp
            self._prefix = self._head + stamp + self._tail
            self._joint = b"\n" + self._prefix
        return b"".join((self._prefix, body.replace(b"\n", self._joint), b"\n"))


class Output:
    """The file descriptor the relay writes to; once its reader is gone, output is dropped.

    A closed terminal or a dead `tee` must not stop the supervision (the processes would keep
    running) nor stop the reading (they would block on full pipes).
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.broken = False

    def write(self, data: bytes) -> None:
        """Write all of it (a pipe or terminal may take it in parts), or drop it for good."""
        view = memoryview(data)
        while view and not self.broken:
            try:
                written = os.write(self.fd, view)
            except BlockingIOError:
                # Someone else set O_NONBLOCK on a shared terminal: wait rather than drop.
                select.select([], [self.fd], [])
                continue
            except OSError:
                self.broken = True
                return
            view = view[written:]
