"""Runtime parts every chat route may need: the message bus and the user directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chat.direct.directory import UserDirectory
from chat.live.bus import MessageBus

__all__ = ["BusDep", "DirectoryDep"]


def message_bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.message_bus
    return bus


def user_directory(request: Request) -> UserDirectory:
    directory: UserDirectory = request.app.state.user_directory
    return directory


BusDep = Annotated[MessageBus, Depends(message_bus)]
DirectoryDep = Annotated[UserDirectory, Depends(user_directory)]
