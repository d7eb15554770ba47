"""Request and response bodies of the accounts routes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from auth.accounts.roles import Role

__all__ = ["PublicUserOut", "RolesIn", "SignupIn", "UserOut"]

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=False
    )


class SignupIn(_Body):
    username: str = Field(examples=["ada"], description="3-32 letters, digits, `_`, `.` or `-`")
    password: str = Field(examples=["correct horse battery"], description="10-128 characters")
    display_name: DisplayName | None = Field(None, examples=["Ada Lovelace"])

    @field_validator("username")
    @classmethod
    def _username_shape(cls, value: str) -> str:
        if not USERNAME_PATTERN.match(value):
            raise ValueError(
                "must be 3-32 characters: letters, digits, '_', '.' or '-', starting with a "
                "letter or digit"
            )
        return value


class RolesIn(_Body):
    roles: list[Role] = Field(
        min_length=1,
        max_length=3,
        examples=[["user", "supervisor"]],
        description="The user's complete set of roles; `user` is always kept.",
    )


class PublicUserOut(_Body):
    model_config = ConfigDict(from_attributes=True, alias_generator=to_camel, populate_by_name=True)

    id: uuid.UUID
    username: str
    display_name: str | None


class UserOut(PublicUserOut):
    roles: list[str]
    created_at: datetime
