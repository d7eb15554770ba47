"""Errors of the rooms domain."""

from __future__ import annotations

import uuid
from typing import Any

from switchkit.problems import Conflict, NotFound

__all__ = ["MessageNotFound", "RoomNameTaken", "RoomNotFound"]


class RoomNotFound(NotFound):
    def __init__(self, room_id: uuid.UUID) -> None:
        super().__init__(f"No room with id {room_id}.")


class MessageNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such message.")


class RoomNameTaken(Conflict):
    def __init__(self, *, name: str, existing_id: uuid.UUID) -> None:
        super().__init__(f"A room named {name!r} exists already.")
        self.existing_id = existing_id

    def extensions(self) -> dict[str, Any]:
        return {"existingRoomId": str(self.existing_id)}
