"""List pages from memory: kept only while every change is heard, dropped by every change."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.config import Settings
from inventory.dids.cache import LISTENER_NAME
from inventory.main import create_app
from switchkit.testing import TestTokens
from tests.conftest import VALID

# Generous: a notification arrives in well under a millisecond; the bound only keeps a broken
# listener from hanging the suite.
WAIT_SECONDS = 10.0
LIST = "/dids?per_page=100&sort=id"
INSERT_OUTSIDER = text(
    "INSERT INTO inventory.dids (e164, monthly_price, setup_price, currency, version)"
    " VALUES (:n, 1, 2, 'USD', 1)"
)


async def eventually(
    check: Callable[[], Awaitable[httpx.Response]], accept: Callable[[httpx.Response], bool]
) -> httpx.Response:
    """The first answer `accept`s, asking again every 20 ms for at most WAIT_SECONDS."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        response = await check()
        if accept(response) or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.02)


async def listing(api: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    """The list once the cache listens (the listener connects in the background at start)."""
    return await eventually(
        lambda: api.get(LIST, headers=headers), lambda r: r.headers["x-cache"] != "BYPASS"
    )


def numbers(response: httpx.Response) -> list[str]:
    return [did["value"] for did in response.json()]


async def test_a_page_asked_again_comes_from_memory(
    api: httpx.AsyncClient, user: dict[str, str], create: Callable[..., Awaitable[Any]]
) -> None:
    await create()
    first = await listing(api, user)
    again = await api.get(LIST, headers=user)
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("MISS", "HIT")
    assert again.content == first.content
    assert again.headers["x-total-count"] == first.headers["x-total-count"] == "1"
    assert again.headers["link"] == first.headers["link"]
    assert again.headers["content-type"] == "application/json"


@pytest.mark.parametrize("write", ["create", "replace", "patch", "delete"])
async def test_a_write_drops_the_pages_before_it_answers(
    write: str,
    api: httpx.AsyncClient,
    user: dict[str, str],
    supervisor: dict[str, str],
    create: Callable[..., Awaitable[dict[str, Any]]],
) -> None:
    did = await create()
    await listing(api, user)
    assert (await api.get(LIST, headers=user)).headers["x-cache"] == "HIT"
    url = f"/dids/{did['id']}"
    changed = {**VALID, "setupPrice": "9.99"}
    if write == "create":
        response = await api.post(
            "/dids", json={**VALID, "value": "+1 202 555 0143"}, headers=supervisor
        )
    elif write == "replace":
        response = await api.put(url, json=changed, headers=supervisor)
    elif write == "patch":
        response = await api.patch(url, json={"setupPrice": "9.99"}, headers=supervisor)
    else:
        response = await api.delete(url, headers=supervisor)
    assert response.status_code in (200, 201, 204)
    after = await api.get(LIST, headers=user)
    assert after.headers["x-cache"] == "MISS"
    expected = {
        "create": ("2", None),
        "replace": ("1", "9.99"),
        "patch": ("1", "9.99"),
        "delete": ("0", None),
    }[write]
    assert after.headers["x-total-count"] == expected[0]
    if expected[1] is not None:
        assert after.json()[0]["setupPrice"] == expected[1]


async def test_a_refused_write_keeps_the_pages(
    api: httpx.AsyncClient,
    user: dict[str, str],
    supervisor: dict[str, str],
    create: Callable[..., Awaitable[dict[str, Any]]],
) -> None:
    await create()
    await listing(api, user)
    duplicate = await api.post("/dids", json=VALID, headers=supervisor)
    assert duplicate.status_code == 409
    assert (await api.get(LIST, headers=user)).headers["x-cache"] == "HIT"


@pytest.fixture
def committed_app(
    serve: Any, settings: Settings, tokens: TestTokens
) -> Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """The app on its own pool: what others commit is what it must hear of."""
    return lambda: serve(create_app(settings, token_verifier=lambda _: tokens), committed=True)


@pytest.fixture
async def outsider_number(db_engine: AsyncEngine) -> AsyncIterator[str]:
    """A number written straight into the table, as another replica or psql would."""
    e164 = f"+1202555{uuid.uuid4().int % 10_000:04d}"
    yield e164
    async with db_engine.begin() as connection:
        await connection.execute(text("DELETE FROM inventory.dids WHERE e164 = :n"), {"n": e164})


async def test_a_change_committed_elsewhere_drops_the_pages(
    committed_app: Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]],
    db_engine: AsyncEngine,
    user: dict[str, str],
    outsider_number: str,
) -> None:
    async with committed_app() as api:
        before = await listing(api, user)
        assert (await api.get(LIST, headers=user)).headers["x-cache"] == "HIT"
        async with db_engine.begin() as connection:
            await connection.execute(
                INSERT_OUTSIDER,
                {"n": outsider_number},
            )
        after = await eventually(
            lambda: api.get(LIST, headers=user),
            lambda r: r.headers["x-total-count"] != before.headers["x-total-count"],
        )
        assert int(after.headers["x-total-count"]) == int(before.headers["x-total-count"]) + 1
        assert after.headers["x-cache"] == "MISS"


async def test_a_rolled_back_change_keeps_the_pages(
    committed_app: Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]],
    db_engine: AsyncEngine,
    user: dict[str, str],
    outsider_number: str,
) -> None:
    async with committed_app() as api:
        await listing(api, user)
        async with db_engine.connect() as connection:
            await connection.execute(
                INSERT_OUTSIDER,
                {"n": outsider_number},
            )
            await connection.rollback()
        # A notification would have arrived by the time this round trip to Postgres returns.
        async with db_engine.connect() as connection:
            await connection.execute(text("SELECT pg_notify('unrelated', '')"))
        assert (await api.get(LIST, headers=user)).headers["x-cache"] == "HIT"


async def test_without_its_listening_connection_nothing_comes_from_memory(
    committed_app: Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]],
    db_engine: AsyncEngine,
    user: dict[str, str],
) -> None:
    async with committed_app() as api:
        await listing(api, user)
        async with db_engine.begin() as connection:
            ended = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": LISTENER_NAME},
            )
            assert ended.scalars().all() == [True]
        bypassed = await eventually(
            lambda: api.get(LIST, headers=user), lambda r: r.headers["x-cache"] == "BYPASS"
        )
        assert bypassed.headers["x-cache"] == "BYPASS"
        # It listens again (after a second) and only then keeps pages again.
        again = await listing(api, user)
        assert again.headers["x-cache"] == "MISS"
        assert (await api.get(LIST, headers=user)).headers["x-cache"] == "HIT"


async def test_a_cache_of_size_zero_is_off(
    serve: Any, settings: Settings, tokens: TestTokens, user: dict[str, str]
) -> None:
    off = settings.model_copy(update={"page_cache_size": 0})
    async with serve(create_app(off, token_verifier=lambda _: tokens)) as api:
        for _ in range(2):
            assert (await api.get(LIST, headers=user)).headers["x-cache"] == "BYPASS"


async def test_the_same_rows_asked_another_way_are_the_same_page_in_memory(
    api: httpx.AsyncClient, user: dict[str, str], create: Callable[..., Awaitable[Any]]
) -> None:
    await create()
    first = await listing(api, user)
    for other in ("/dids?_start=0&_end=100", "/dids?per_page=100", "/dids?_page=1&_limit=100"):
        again = await api.get(other, headers=user)
        assert again.headers["x-cache"] == "HIT", other
        assert again.content == first.content


async def test_filters_in_another_order_or_spelling_are_the_same_page_in_memory(
    api: httpx.AsyncClient, user: dict[str, str], create: Callable[..., Awaitable[Any]]
) -> None:
    await create()
    asked = "/dids?monthyPrice_gte=0.01&currency=U$&currency=R$"
    first = await eventually(
        lambda: api.get(asked, headers=user), lambda r: r.headers["x-cache"] != "BYPASS"
    )
    assert first.headers["x-cache"] == "MISS"
    again = await api.get("/dids?currency=R$&monthlyPrice_gte=0.010&currency=U$", headers=user)
    assert again.headers["x-cache"] == "HIT"
    assert again.content == first.content
