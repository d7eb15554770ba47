"""What a client listens to (a room, its inbox), and the ordered, gapless delivery to it.

Each client connection is a `Subscriber` with a bounded queue: a client that falls too far
behind is ended with a reason instead of growing memory without limit. Per stream it keeps
a cursor (the last seq delivered): a repeat is dropped, and a message that arrives after a
gap (this node missed a NATS message, or the client resumes from an old seq) is preceded by
the missing ones, read from Postgres, which is the truth.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from chat.live.bus import inbox_subject, room_subject

__all__ = ["Backlog", "StreamEnded", "StreamKey", "Subscriber"]

Message = dict[str, Any]
Backlog = Callable[["StreamKey", int, int | None], Awaitable[list[Message]]]
"""Messages of a stream with after < seq < before (before None: no upper bound), in order."""


class StreamEnded(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StreamKey:
    kind: Literal["room", "inbox"]
    id: uuid.UUID

    @property
    def subject(self) -> str:
        return room_subject(self.id) if self.kind == "room" else inbox_subject(self.id)

    @property
    def label(self) -> str:
        return f"room:{self.id}" if self.kind == "room" else "inbox"


@dataclass(eq=False)
class Subscriber:
    """One client connection; it may follow several streams (the `/ws` socket does)."""

    session_id: uuid.UUID | None
    expires_at: float
    backlog: Backlog
    queue_size: int = 256
    cursors: dict[StreamKey, int] = field(default_factory=dict)
    _queue: asyncio.Queue[tuple[StreamKey, Message] | StreamEnded] = field(init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.queue_size)

    def offer(self, stream: StreamKey, message: Message) -> None:
        if stream not in self.cursors:
            return
        try:
            self._queue.put_nowait((stream, message))
        except asyncio.QueueFull:
            self.end("too slow: the connection fell too far behind")

    def end(self, reason: str) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(StreamEnded(reason))

    async def next(self, *, idle: float | None = None) -> tuple[StreamKey, Message] | None:
        """The next live message, or None after `idle` seconds without one (time for a
        heartbeat); raises StreamEnded when the connection must close."""
        remaining = self.expires_at - time.time()
        if remaining <= 0:
            raise StreamEnded("token expired")
        wait = remaining if idle is None else min(idle, remaining)
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout=wait)
        except TimeoutError:
            if wait < remaining:
                return None
            raise StreamEnded("token expired") from None
        if isinstance(item, StreamEnded):
            raise item
        return item

    async def in_order(self, stream: StreamKey, message: Message) -> list[Message]:
        """What to deliver for a live message: nothing if seen, else any gap, then it."""
        last = self.cursors.get(stream)
        seq = int(message["seq"])
        if last is None or seq <= last:
            return []
        missing = await self.backlog(stream, last, seq) if seq > last + 1 else []
        self.cursors[stream] = seq
        return [*missing, message]

    async def catch_up(self, stream: StreamKey, after: int) -> list[Message]:
        """Starts following `stream` after seq `after`: the messages since then, in order."""
        self.cursors[stream] = after
        missed = await self.backlog(stream, after, None)
        if missed:
            self.cursors[stream] = max(self.cursors[stream], int(missed[-1]["seq"]))
        return missed
