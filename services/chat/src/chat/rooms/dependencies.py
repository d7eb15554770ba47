"""Route dependencies of the rooms domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from chat.rooms import service
from chat.rooms.models import Room
from switchkit.db import SessionDep

__all__ = ["RoomId", "ValidRoom"]

RoomId = Annotated[uuid.UUID, Path(description="The room's id (roomId)")]


async def valid_room(room_id: RoomId, session: SessionDep) -> Room:
    return await service.get(session=session, room_id=room_id)


ValidRoom = Annotated[Room, Depends(valid_room)]
