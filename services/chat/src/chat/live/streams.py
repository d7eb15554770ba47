"""What a client listens to (a room, its inbox), and the ordered, gapless delivery to it.

Each client connection is a `Subscriber`: the kit's bounded, self-ending listener (see
switchkit.realtime), plus per stream a cursor (the last seq delivered): a repeat is dropped,
and a message that arrives after a gap (this node missed a NATS message, or the client
resumes from an old seq) is preceded by the missing ones, read from Postgres, the truth.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from chat.live.bus import inbox_subject, room_subject
from switchkit.identity import Identity
from switchkit.realtime import Listener

__all__ = ["Backlog", "Message", "StreamKey", "Subscriber"]

Message = dict[str, Any]
Backlog = Callable[["StreamKey", int, int | None], Awaitable[list[Message]]]
"""Messages of a stream with after < seq < before (before None: no upper bound), in order."""


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


class Subscriber(Listener[tuple[StreamKey, Message]]):
    """One client connection; it may follow several streams (the `/ws` socket does)."""

    def __init__(self, *, caller: Identity, backlog: Backlog, queue_size: int) -> None:
        super().__init__(caller=caller, queue_size=queue_size)
        self.backlog = backlog
        self.cursors: dict[StreamKey, int] = {}

    def offer(self, item: tuple[StreamKey, Message]) -> None:
        # Not yet (or no longer) following that stream: its catch-up covers it, or nobody asks.
        if item[0] in self.cursors:
            super().offer(item)

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
