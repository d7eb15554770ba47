"""Fixtures of the kit's unit tests: a small app built by the kit's factory (no lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, ConfigDict

from switchkit.app import create_service_app
from switchkit.identity import CurrentUser, Identity, require_roles
from switchkit.pagination import PageDep
from switchkit.problems import BadRequest, Conflict, FieldError, TooManyRequests
from switchkit.settings import Environment, KitSettings


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int


AdminOnly = Annotated[Identity, Depends(require_roles("admin"))]


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/conflict")
    async def conflict() -> None:
        raise Conflict("That already exists.")

    @router.get("/bad")
    async def bad() -> None:
        raise BadRequest(errors=[FieldError("size", "must be positive")])

    @router.get("/slow-down")
    async def slow_down() -> None:
        raise TooManyRequests("Wait.", retry_after=7)

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @router.get("/items")
    async def items(page: PageDep) -> dict[str, int]:
        return {"page": page.number, "size": page.size}

    @router.post("/things")
    async def things(thing: Thing) -> Thing:
        return thing

    @router.get("/whoami")
    async def whoami(user: CurrentUser) -> dict[str, str]:
        return {"id": str(user.user_id)}

    @router.get("/admin-only")
    async def admin_only(user: AdminOnly) -> dict[str, str]:
        return {"id": str(user.user_id)}

    return router


class KitTestSettings(KitSettings):
    service_name = "kittest"


@pytest.fixture
def kit_app() -> FastAPI:
    settings = KitTestSettings(
        environment=Environment.TEST,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        jwks_url="http://auth.invalid/jwks.json",
        max_body_bytes=1024,
        default_page_size=20,
    )
    return create_service_app(
        settings=settings, title="kit test", description="", version="0", routers=[build_router()]
    )


@pytest.fixture
async def client(kit_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=kit_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
