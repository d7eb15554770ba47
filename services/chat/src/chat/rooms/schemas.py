"""Room bodies, and the one way a room is answered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from chat.rooms.models import Room

__all__ = ["RoomIn", "RoomOut"]

MAX_NAME = 100


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)
    ] = Field(
        examples=["general"],
        description=f"1-{MAX_NAME} characters after trimming; unique, ignoring case",
    )


class RoomOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    room_id: uuid.UUID
    name: str
    created_at: datetime

    @classmethod
    def of(cls, room: Room) -> RoomOut:
        return cls(room_id=room.id, name=room.name, created_at=room.created_at)
