"""The reviews table: one review per user per book."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from reviews.models import Base

__all__ = ["Review"]


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
        UniqueConstraint("book_id", "user_id", name="uq_reviews_book_id_user_id"),
        # "A book's reviews, newest first": an index scan in exactly that order.
        Index("ix_reviews_book_id_id_desc", "book_id", func.desc("id")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    """Grows with time, so it orders reviews newest first and serves as the cursor."""
    book_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("books.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    username: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
