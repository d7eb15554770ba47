"""The chat service application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chat.config import Settings
from chat.direct.directory import UserDirectory
from chat.direct.router import router as direct_router
from chat.live.bus import MessageBus
from chat.live.hub import Hub
from chat.live.router import HowToSubscribe, how_to_subscribe
from chat.live.router import router as live_router
from chat.rooms.router import router as rooms_router
from switchkit.app import create_service_app
from switchkit.identity import TokenVerifier

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    token_verifier: Callable[[FastAPI], TokenVerifier] | None = None,
    user_directory: UserDirectory | None = None,
) -> FastAPI:
    """The app; tests may give their own token verifier and user directory."""
    settings = settings or Settings()

    @asynccontextmanager
    async def runtime(app: FastAPI) -> AsyncIterator[None]:
        directory = user_directory or UserDirectory(auth_url=settings.auth_url)
        app.state.user_directory = directory
        app.state.message_bus = MessageBus(app.state.nats)
        hub = Hub(app.state.nats)
        await hub.start()
        app.state.hub = hub
        try:
            yield
        finally:
            await hub.stop()
            await directory.aclose()

    app = create_service_app(
        settings=settings,
        title="Switchboard chat",
        description="Rooms, room messages and direct messages, with a gapless seq per room "
        "and per inbox, idempotent sends, and realtime delivery across chat nodes.",
        version="1.0.0",
        routers=[rooms_router, direct_router, live_router],
        token_verifier=token_verifier,
        hooks=[runtime],
    )
    app.add_exception_handler(HowToSubscribe, how_to_subscribe)
    return app
