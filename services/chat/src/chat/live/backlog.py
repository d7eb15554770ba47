"""Reading what a stream missed from Postgres, on a short session of its own."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from chat.direct.models import DirectMessage, Inbox
from chat.live.streams import Backlog, StreamKey
from chat.messages.schemas import MessageOut
from chat.rooms.models import Room, RoomMessage
from switchkit.db import Database

__all__ = ["CATCH_UP_LIMIT", "backlog_reader", "current_seq"]

CATCH_UP_LIMIT = 1000
"""At most this many missed messages are replayed; further back, clients page the history."""


def backlog_reader(database: Database) -> Backlog:
    async def read(stream: StreamKey, after: int, before: int | None) -> list[dict[str, Any]]:
        async with database.sessions() as session:
            if stream.kind == "room":
                query = select(RoomMessage).where(
                    RoomMessage.room_id == stream.id, RoomMessage.seq > after
                )
                if before is not None:
                    query = query.where(RoomMessage.seq < before)
                rows = (
                    await session.execute(query.order_by(RoomMessage.seq).limit(CATCH_UP_LIMIT))
                ).scalars()
                return [MessageOut.of(row).json_dict() for row in rows]
            inbox_query = select(DirectMessage).where(
                DirectMessage.to_user_id == stream.id, DirectMessage.seq > after
            )
            if before is not None:
                inbox_query = inbox_query.where(DirectMessage.seq < before)
            messages = (
                await session.execute(inbox_query.order_by(DirectMessage.seq).limit(CATCH_UP_LIMIT))
            ).scalars()
            return [MessageOut.of(row).json_dict() for row in messages]

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
