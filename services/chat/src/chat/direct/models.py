"""Inboxes and the direct messages in them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from chat.models import Base

__all__ = ["DirectMessage", "Inbox"]


class Inbox(Base):
    """One row per user who ever received a direct message: the counter of their inbox."""

    __tablename__ = "inboxes"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class DirectMessage(Base):
    __tablename__ = "direct_messages"
    __table_args__ = (
        UniqueConstraint("to_user_id", "seq", name="uq_direct_messages_to_user_id_seq"),
        Index(
            "uq_direct_messages_idempotency",
            "to_user_id",
            "author_id",
            "client_message_id",
            unique=True,
            postgresql_where=text("client_message_id IS NOT NULL"),
        ),
        Index("ix_direct_messages_conversation", "to_user_id", "author_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    to_user_id: Mapped[uuid.UUID] = mapped_column()
    seq: Mapped[int] = mapped_column(BigInteger)
    """Position in the recipient's inbox."""
    author_id: Mapped[uuid.UUID] = mapped_column()
    author_name: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    client_message_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
