"""Direct messages: sending in order into the recipient's inbox, reading one's inbox."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chat.direct.directory import UserDirectory
from chat.direct.exceptions import DirectMessageNotFound, UnknownRecipient
from chat.direct.models import DirectMessage, Inbox
from chat.live.bus import MessageBus, inbox_subject
from chat.messages.schemas import MessageIn
from chat.messages.sequence import append
from chat.messages.window import Window
from switchkit.identity import Identity

__all__ = ["get", "inbox", "send"]


async def send(
    *,
    session: AsyncSession,
    bus: MessageBus,
    directory: UserDirectory,
    to_user_id: uuid.UUID,
    data: MessageIn,
    author: Identity,
    token: str,
) -> tuple[DirectMessage, bool]:
    """Stores a message with the recipient's next inbox seq; returns it and whether it is new."""
    if not await directory.exists(to_user_id, token=token):
        raise UnknownRecipient(to_user_id)
    await session.execute(
        insert(Inbox).values(user_id=to_user_id, last_seq=0).on_conflict_do_nothing()
    )
    inbox_row = (
        await session.execute(select(Inbox).where(Inbox.user_id == to_user_id).with_for_update())
    ).scalar_one()

    return await append(
        session=session,
        bus=bus,
        subject=inbox_subject(to_user_id),
        counter=inbox_row,
        model=DirectMessage,
        sequence={"to_user_id": to_user_id},
        data=data,
        author=author,
    )


async def inbox(
    *, session: AsyncSession, user_id: uuid.UUID, other: uuid.UUID | None, window: Window
) -> list[DirectMessage]:
    query = select(DirectMessage).where(DirectMessage.to_user_id == user_id)
    if other is not None:
        query = query.where(DirectMessage.author_id == other)
    rows = (await session.execute(window.apply(query, DirectMessage.seq))).scalars()
    return window.oldest_first(list(rows))


async def get(
    *, session: AsyncSession, message_id: uuid.UUID, to_user_id: uuid.UUID, reader: uuid.UUID
) -> DirectMessage:
    """A direct message to `to_user_id`, which only its author or its recipient may read."""
    query = select(DirectMessage).where(
        DirectMessage.id == message_id,
        DirectMessage.to_user_id == to_user_id,
        or_(DirectMessage.to_user_id == reader, DirectMessage.author_id == reader),
    )
    message = (await session.execute(query)).scalar_one_or_none()
    if message is None:
        raise DirectMessageNotFound
    return message
