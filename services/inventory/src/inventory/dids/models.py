"""The dids table."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Integer, Numeric, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from inventory.models import Base

__all__ = ["Did"]


class Did(Base):
    __tablename__ = "dids"
    __table_args__ = (
        CheckConstraint("monthly_price >= 0", name="monthly_price_not_negative"),
        CheckConstraint("setup_price >= 0", name="setup_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    e164: Mapped[str] = mapped_column(Text, unique=True)
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    setup_price: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    currency: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Bumped on every change; the ETag is made of it, so If-Match can spot a stale copy."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[uuid.UUID | None] = mapped_column()

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'
