"""Fixtures of the reviews service tests: the app on real Postgres and Redis, test tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reviews.books.models import Book
from reviews.config import Settings
from reviews.main import create_app
from switchkit.testing import ServiceUnderTest, TestTokens
from switchkit.testing.plugin import ServeApp

BOOK: dict[str, Any] = {
    "title": "The Left Hand of Darkness",
    "author": "Ursula K. Le Guin",
    "isbn": "978-0-441-47812-5",
    "publishedYear": 1969,
    "description": "An envoy on a planet of ambisexual people.",
}


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of(Settings)


@pytest.fixture
async def empty_catalogue(db_session: AsyncSession) -> None:
    # The rows vanish with the test's transaction.
    await db_session.execute(delete(Book))
    await db_session.commit()


AppFor = Callable[..., FastAPI]


@pytest.fixture
def app_for(settings_for: Callable[..., Settings], tokens: TestTokens) -> AppFor:
    """`app_for(**settings)`: a reviews app with these settings changed, taking test tokens."""

    def build(**overrides: Any) -> FastAPI:
        return create_app(settings_for(**overrides), token_verifier=lambda _: tokens)

    return build


@pytest.fixture
async def api(
    serve: ServeApp, app_for: AppFor, empty_catalogue: None
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app_for()) as client:
        yield client


@pytest.fixture
async def committed_api(
    serve: ServeApp, app_for: AppFor, db_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a pool of its own, for requests that truly run at once; the books they add
    (and so their reviews) are removed afterwards."""
    async with db_engine.connect() as connection:
        last = (await connection.execute(select(func.coalesce(func.max(Book.id), 0)))).scalar()
    try:
        async with serve(app_for(), committed=True) as client:
            yield client
    finally:
        async with db_engine.begin() as connection:
            await connection.execute(delete(Book).where(Book.id > last))


def bearer(tokens: TestTokens, *roles: str, name: str | None = None) -> dict[str, str]:
    user_id = uuid.uuid4()
    token = tokens.token(
        sub=str(user_id), name=name or f"reader{user_id.hex[:6]}", roles=["user", *roles]
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def reader(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens)


@pytest.fixture
def other_reader(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens)


@pytest.fixture
def admin(tokens: TestTokens) -> dict[str, str]:
    return bearer(tokens, "admin")


Create = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def add_book(api: httpx.AsyncClient, reader: dict[str, str]) -> Create:
    async def add(**fields: Any) -> dict[str, Any]:
        body = {**BOOK, "isbn": None, **fields}
        response = await api.post("/books", json=body, headers=reader)
        assert response.status_code == 201, response.text
        book: dict[str, Any] = response.json()
        return book

    return add
