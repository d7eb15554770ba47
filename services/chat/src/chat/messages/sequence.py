"""Appending a message to a sequence (a room, an inbox): the one place seqs are handed out."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chat.direct.models import DirectMessage
from chat.live.bus import MessageBus
from chat.messages.schemas import MessageIn, MessageOut
from chat.rooms.models import RoomMessage
from switchkit.db import after_commit
from switchkit.identity import Identity

__all__ = ["Counter", "append"]


class Counter(Protocol):
    """A row holding a sequence's newest seq, locked (SELECT ... FOR UPDATE) by the caller."""

    last_seq: int


M = TypeVar("M", RoomMessage, DirectMessage)


async def append(
    *,
    session: AsyncSession,
    bus: MessageBus,
    subject: str,
    counter: Counter,
    model: type[M],
    sequence: dict[str, Any],
    data: MessageIn,
    author: Identity,
) -> tuple[M, bool]:
    """Stores `data` as a `model` row with the next seq, unless the author sent it already.

    `sequence` names the sequence the message belongs to as the model's columns
    (`{"room_id": ...}`, `{"to_user_id": ...}`); a retry is the same author's message with the
    same client message id in the same sequence.

    The counter row stays locked until the commit, so writers on any node take seqs one at a
    time, in commit order; a rolled-back append leaves no gap; and a retried client message
    id, checked under the same lock, returns the original (`False`: nothing new) even when the
    retries race. The message is announced on `subject` only once committed.
    """
    if data.client_message_id is not None:
        retried = select(model).filter_by(
            **sequence, author_id=author.user_id, client_message_id=data.client_message_id
        )
        found = (await session.execute(retried)).scalar_one_or_none()
        if found is not None:
            return found, False
    counter.last_seq += 1
    message = model(
        id=uuid.uuid4(),
        seq=counter.last_seq,
        author_id=author.user_id,
        author_name=author.username,
        text=data.text,
        client_message_id=data.client_message_id,
        **sequence,
    )
    session.add(message)
    await session.flush()
    await session.refresh(message)
    news = MessageOut.of(message).json_dict()

    async def announce() -> None:
        await bus.publish(subject, news)

    after_commit(session, announce)
    return message, True
