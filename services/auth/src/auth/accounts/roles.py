"""The roles a user can hold."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Role"]


class Role(StrEnum):
    USER = "user"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
