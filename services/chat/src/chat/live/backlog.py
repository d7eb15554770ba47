"""Reading what a stream missed from Postgres, on a short session of its own."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from chat.direct import service as direct
from chat.direct.models import Inbox
from chat.live.streams import Backlog, Message, StreamKey
from chat.messages.schemas import MessageOut
from chat.messages.window import Window
from chat.rooms import service as rooms
from chat.rooms.models import Room
from switchkit.db import Database

__all__ = ["CATCH_UP_LIMIT", "backlog_reader", "current_seq"]

CATCH_UP_LIMIT = 1000
"""At most this many missed messages are replayed; further back, clients page the history."""


def backlog_reader(database: Database) -> Backlog:
    """Reads a stream's missed messages as its history pages do (one query for both)."""

    async def read(stream: StreamKey, after: int, before: int | None) -> list[Message]:
        window = Window(before=before, after=after, limit=CATCH_UP_LIMIT)
        async with database.sessions() as session:
            if stream.kind == "room":
                rows = await rooms.history(session=session, room_id=stream.id, window=window)
                return [MessageOut.of(row).json_dict() for row in rows]
            messages = await direct.inbox(
                session=session, user_id=stream.id, other=None, window=window
            )
            return [MessageOut.of(message).json_dict() for message in messages]

    return read


async def current_seq(database: Database, stream: StreamKey) -> int | None:
    """The stream's newest seq (0 when empty); None for a room that does not exist."""
    async with database.sessions() as session:
        if stream.kind == "room":
            return (
                await session.execute(select(Room.last_seq).where(Room.id == stream.id))
            ).scalar_one_or_none()
        seq = (
            await session.execute(select(Inbox.last_seq).where(Inbox.user_id == stream.id))
        ).scalar_one_or_none()
        return seq or 0


def room(room_id: uuid.UUID) -> StreamKey:
    return StreamKey(kind="room", id=room_id)


def inbox(user_id: uuid.UUID) -> StreamKey:
    return StreamKey(kind="inbox", id=user_id)
