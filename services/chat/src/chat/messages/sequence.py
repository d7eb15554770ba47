"""Appending a message to a sequence (a room, an inbox): the one place seqs are handed out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from chat.live.bus import MessageBus
from chat.messages.schemas import MessageOut
from switchkit.db import after_commit

__all__ = ["Counter", "append"]


class Counter(Protocol):
    """A row holding a sequence's newest seq, locked (SELECT ... FOR UPDATE) by the caller."""

    last_seq: int


M = TypeVar("M")


async def append(
    *,
    session: AsyncSession,
    bus: MessageBus,
    subject: str,
    counter: Counter,
    original: Callable[[], Awaitable[M | None]],
    build: Callable[[int], M],
    out: Callable[[M], MessageOut],
) -> tuple[M, bool]:
    """Stores `build(next seq)` unless `original()` finds the message already sent.

    The counter row stays locked until the commit, so writers on any node take seqs one at a
    time, in commit order; a rolled-back append leaves no gap; and a retried client message
    id, checked under the same lock, returns the original (`False`: nothing new) even when the
    retries race. The message is announced on `subject` only once committed.
    """
    found = await original()
    if found is not None:
        return found, False
    counter.last_seq += 1
    message = build(counter.last_seq)
    session.add(message)
    await session.flush()
    await session.refresh(message)
    news = out(message).json_dict()

    async def announce() -> None:
        await bus.publish(subject, news)

    after_commit(session, announce)
    return message, True
