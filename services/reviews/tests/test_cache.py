"""GET /books through Redis: MISS, HIT without Postgres, fresh after writes, alive without Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from switchkit.db import Database
from switchkit.testing.plugin import ServeApp
from tests.conftest import AppFor, Create

DEAD_REDIS = "redis://127.0.0.1:1/0"


@contextmanager
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The SQL statements run on the test's connection inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    target = connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)


def book_queries(seen: list[str]) -> list[str]:
    return [s for s in seen if "FROM reviews.books" in s]


async def test_miss_then_hit_without_postgres_then_fresh_after_a_write(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str], db_connection: AsyncConnection
) -> None:
    await add_book(title="First")
    with statements(db_connection) as seen:
        miss = await api.get("/books", headers=reader)
    assert miss.headers["x-cache"] == "MISS"
    assert book_queries(seen)

    with statements(db_connection) as seen:
        hit = await api.get("/books", headers=reader)
    assert hit.headers["x-cache"] == "HIT"
    assert seen == [], "a hit must not touch Postgres"
    assert hit.json() == miss.json()
    assert hit.headers["x-total-count"] == miss.headers["x-total-count"] == "1"
    assert hit.headers["link"] == miss.headers["link"]

    await add_book(title="Second")
    after_write = await api.get("/books", headers=reader)
    assert after_write.headers["x-cache"] == "MISS"
    assert [b["title"] for b in after_write.json()] == ["First", "Second"]


async def test_a_hit_opens_no_database_session(
    serve: ServeApp, app_for: AppFor, reader: dict[str, str], empty_catalogue: None
) -> None:
    app = app_for()
    async with serve(app) as client:
        await client.get("/books", headers=reader)
        database: Database = app.state.database
        opened: list[AsyncSession] = []
        sessions = database.sessions

        def counted() -> AsyncSession:
            opened.append(sessions())
            return opened[-1]

        database.sessions = counted  # type: ignore[assignment]
        hit = await client.get("/books", headers=reader)
    assert hit.status_code == 200
    assert hit.headers["x-cache"] == "HIT"
    assert opened == []


async def test_a_new_review_makes_the_page_fresh(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    book = await add_book()
    await api.get("/books", headers=reader)
    assert (await api.get("/books", headers=reader)).headers["x-cache"] == "HIT"
    await api.post(f"/books/{book['id']}/reviews", json={"rating": 5}, headers=reader)
    page = await api.get("/books", headers=reader)
    assert page.headers["x-cache"] == "MISS"
    assert page.json()[0]["reviewCount"] == 1


async def test_pages_are_cached_separately(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    for n in range(3):
        await add_book(title=f"B{n}")
    await api.get("/books?page=1&per_page=2", headers=reader)
    other = await api.get("/books?page=2&per_page=2", headers=reader)
    assert other.headers["x-cache"] == "MISS"
    assert [b["title"] for b in other.json()] == ["B2"]


async def test_concurrent_misses_read_postgres_once(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str], db_connection: AsyncConnection
) -> None:
    await add_book()
    with statements(db_connection) as seen:
        pages = await asyncio.gather(*(api.get("/books", headers=reader) for _ in range(10)))
    assert sorted(p.headers["x-cache"] for p in pages) == ["HIT"] * 9 + ["MISS"]
    assert len([s for s in book_queries(seen) if "count(" in s]) == 1


async def test_a_write_through_one_replica_is_seen_fresh_through_another(
    serve: ServeApp, app_for: AppFor, reader: dict[str, str], empty_catalogue: None
) -> None:
    async with serve(app_for()) as a, serve(app_for()) as b:
        await b.get("/books", headers=reader)
        assert (await b.get("/books", headers=reader)).headers["x-cache"] == "HIT"
        await a.post("/books", json={"title": "New", "author": "A"}, headers=reader)
        page = await b.get("/books", headers=reader)
        assert page.headers["x-cache"] == "MISS"
        assert [book["title"] for book in page.json()] == ["New"]


async def test_with_redis_down_the_answers_are_identical_and_the_outage_logged_once(
    serve: ServeApp,
    app_for: AppFor,
    reader: dict[str, str],
    add_book: Create,
    api: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await add_book(title="Kept")
    healthy = await api.get("/books", headers=reader)
    async with serve(app_for(redis_url=DEAD_REDIS)) as client:
        answers = [await client.get("/books", headers=reader) for _ in range(3)]
        created = await client.post(
            "/books", json={"title": "While down", "author": "A"}, headers=reader
        )
    assert created.status_code == 201
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["x-cache"] == "BYPASS"
        assert answer.json() == healthy.json()
        assert answer.headers["x-total-count"] == healthy.headers["x-total-count"]
    logs = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    outages = [line for line in logs if line["msg"].startswith("redis unavailable")]
    assert len(outages) == 1


async def test_with_the_cache_disabled_every_answer_is_a_bypass(
    serve: ServeApp, app_for: AppFor, reader: dict[str, str], empty_catalogue: None
) -> None:
    async with serve(app_for(cache_enabled=False)) as client:
        statuses = [(await client.get("/books", headers=reader)).headers["x-cache"] for _ in "ab"]
    assert statuses == ["BYPASS", "BYPASS"]
