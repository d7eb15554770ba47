"""The books table, with the running totals that make each book's rating cheap to list."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from reviews.models import Base

__all__ = ["Book"]


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("review_count >= 0", name="review_count_not_negative"),
        CheckConstraint(
            "rating_sum BETWEEN review_count AND 5 * review_count", name="rating_sum_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    isbn: Mapped[str | None] = mapped_column(Text, unique=True)
    """ISBN-13 digits, no hyphens; ISBN-10s are converted."""
    published_year: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    """Updated in the same transaction as the reviews, so the average is never stale."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def average_rating(self) -> Decimal | None:
        if not self.review_count:
            return None
        return (Decimal(self.rating_sum) / self.review_count).quantize(Decimal("0.01"))
