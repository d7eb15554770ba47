"""Rooms and room messages: creating, listing, posting in order, reading history."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat.live.bus import MessageBus, room_subject
from chat.messages.schemas import MessageIn
from chat.messages.sequence import append
from chat.messages.window import Window
from chat.rooms.exceptions import MessageNotFound, RoomNameTaken, RoomNotFound
from chat.rooms.models import Room, RoomMessage
from switchkit.db import add_unique
from switchkit.identity import Identity
from switchkit.pagination import Page

__all__ = ["create", "get", "get_message", "history", "list_page", "post"]

log = logging.getLogger("chat.rooms")


async def list_page(*, session: AsyncSession, page: Page) -> tuple[list[Room], int]:
    total = (await session.execute(select(func.count()).select_from(Room))).scalar_one()
    query = select(Room).order_by(Room.created_at, Room.id).offset(page.offset).limit(page.size)
    return list((await session.execute(query)).scalars()), total


async def get(*, session: AsyncSession, room_id: uuid.UUID, lock: bool = False) -> Room:
    query = select(Room).where(Room.id == room_id)
    room = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if room is None:
        raise RoomNotFound(room_id)
    return room


async def _named(session: AsyncSession, name: str) -> Room | None:
    query = select(Room).where(func.lower(Room.name) == name.lower())
    return (await session.execute(query)).scalar_one_or_none()


async def create(*, session: AsyncSession, name: str, actor: Identity) -> Room:
    """A new room; a name some room has already, ignoring case, is a `RoomNameTaken`."""
    room = Room(id=uuid.uuid4(), name=name, last_seq=0, created_by=actor.user_id)
    await add_unique(
        session,
        room,
        find_existing=lambda: _named(session, name),
        conflict=lambda taken: RoomNameTaken(name=name, existing_id=taken.id),
    )
    await session.refresh(room)
    log.info("room created", extra={"room_id": str(room.id), "actor": str(actor.user_id)})
    return room


async def post(
    *,
    session: AsyncSession,
    bus: MessageBus,
    room_id: uuid.UUID,
    data: MessageIn,
    author: Identity,
) -> tuple[RoomMessage, bool]:
    """Stores a message with the room's next seq; returns it and whether it is new."""
    room = await get(session=session, room_id=room_id, lock=True)

    return await append(
        session=session,
        bus=bus,
        subject=room_subject(room_id),
        counter=room,
        model=RoomMessage,
        sequence={"room_id": room_id},
        data=data,
        author=author,
    )


async def history(
    *, session: AsyncSession, room_id: uuid.UUID, window: Window
) -> list[RoomMessage]:
    query = window.apply(select(RoomMessage).where(RoomMessage.room_id == room_id), RoomMessage.seq)
    return window.oldest_first(list((await session.execute(query)).scalars()))


async def get_message(*, session: AsyncSession, room_id: uuid.UUID, seq: int) -> RoomMessage:
    query = select(RoomMessage).where(RoomMessage.room_id == room_id, RoomMessage.seq == seq)
    message = (await session.execute(query)).scalar_one_or_none()
    if message is None:
        raise MessageNotFound
    return message
