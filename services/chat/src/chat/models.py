"""The declarative base of the chat schema."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from switchkit.db import schema_metadata

__all__ = ["Base"]


class Base(DeclarativeBase):
    metadata = schema_metadata("chat")
