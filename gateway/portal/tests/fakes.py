"""Test doubles for the portal's upstream services."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from fastapi import FastAPI

GATEWAY = "http://gateway.test"

PortalFactory = Callable[
    [dict[str, str], httpx.AsyncBaseTransport], AbstractAsyncContextManager[httpx.AsyncClient]
]


def tiny_service(title: str) -> FastAPI:
    """A real (if small) service app with the liveness route every service has."""
    app = FastAPI(title=title)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/things")
    async def things() -> list[str]:
        return []

    return app
