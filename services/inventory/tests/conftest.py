"""Fixtures of the inventory service tests: the app on real Postgres, tokens of a test key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.config import Settings
from inventory.dids.models import Did
from inventory.main import create_app
from switchkit.testing import InfraUrls, ServiceUnderTest, TestTokens, settings_for_tests
from switchkit.testing.plugin import ServeApp

VALID: dict[str, Any] = {
    "value": "+55 84 91234-4321",
    "monthyPrice": "0.03",
    "setupPrice": "3.40",
    "currency": "U$",
}


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of(Settings)


@pytest.fixture
def settings(infra_urls: InfraUrls) -> Settings:
    return settings_for_tests(Settings, infra_urls)


@pytest.fixture
async def api(
    serve: ServeApp, settings: Settings, tokens: TestTokens, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    # Each test starts from an empty table (the rows vanish with the test's transaction).
    await db_session.execute(delete(Did))
    await db_session.commit()
    async with serve(create_app(settings, token_verifier=lambda _: tokens)) as client:
        yield client


def bearer(tokens: TestTokens, *roles: str) -> dict[str, str]:
    token = tokens.token(sub=str(uuid.uuid4()), roles=["user", *roles])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def supervisor(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens, "supervisor")


@pytest.fixture
def user(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens)


@pytest.fixture
def admin(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens, "admin")


@pytest.fixture
def count_dids(db_session: AsyncSession) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return int((await db_session.execute(select(func.count()).select_from(Did))).scalar_one())

    return count


@pytest.fixture
def create(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def create(**fields: Any) -> dict[str, Any]:
        response = await api.post("/dids", json={**VALID, **fields}, headers=supervisor)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create
