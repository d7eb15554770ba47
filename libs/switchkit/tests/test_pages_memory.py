"""Pages kept in memory: only while every change is heard, dropped by every change heard."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from switchkit.caching import CacheStatus
from switchkit.pages import CachedPage
from switchkit.pages.memory import MemoryPageStore

ADMIN_DSN = os.environ.get(
    "SWITCHBOARD_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# A notification arrives in well under a millisecond; the bound only keeps a broken listener
# from hanging the suite.
WAIT_SECONDS = 10.0


class Loads:
    """A page loader that counts its calls and can run something in the middle of a load."""

    def __init__(self, during: Callable[[], None] | None = None) -> None:
        self.calls = 0
        self.during = during

    async def __call__(self) -> CachedPage:
        self.calls += 1
        if self.during is not None:
            self.during()
        return CachedPage(body=b'[{"n":%d}]' % self.calls, total=self.calls)


def live_store(max_pages: int = 10) -> MemoryPageStore:
    store = MemoryPageStore(max_pages=max_pages)
    store.resume()
    return store


async def test_a_page_asked_again_comes_from_memory() -> None:
    store, load = live_store(), Loads()
    first = await store.read_through("a", load)
    again = await store.read_through("a", load)
    assert (first[1], again[1]) == (CacheStatus.MISS, CacheStatus.HIT)
    assert again[0] is first[0]
    assert load.calls == 1


async def test_a_store_not_hearing_changes_keeps_nothing() -> None:
    store, load = MemoryPageStore(max_pages=10), Loads()
    statuses = [(await store.read_through("a", load))[1] for _ in range(2)]
    assert statuses == [CacheStatus.BYPASS, CacheStatus.BYPASS]
    assert load.calls == 2


async def test_a_page_read_while_a_change_arrives_is_answered_but_not_kept() -> None:
    store = live_store()
    changing = Loads(during=store.forget)
    page, status = await store.read_through("a", changing)
    assert (page.total, status) == (1, CacheStatus.BYPASS)
    assert (await store.read_through("a", Loads()))[1] is CacheStatus.MISS


async def test_invalidate_drops_every_page() -> None:
    store, load = live_store(), Loads()
    for key in ("a", "b"):
        await store.read_through(key, load)
    await store.invalidate()
    assert [(await store.read_through(k, load))[1] for k in ("a", "b")] == [CacheStatus.MISS] * 2
    assert load.calls == 4


async def test_suspended_it_answers_nothing_from_memory_and_resumed_it_starts_empty() -> None:
    store, load = live_store(), Loads()
    await store.read_through("a", load)
    store.suspend()
    assert (await store.read_through("a", load))[1] is CacheStatus.BYPASS
    store.resume()
    assert (await store.read_through("a", load))[1] is CacheStatus.MISS
    assert load.calls == 3


async def test_the_oldest_pages_make_way_when_full() -> None:
    store, load = live_store(max_pages=2), Loads()
    for key in ("a", "b", "c"):
        await store.read_through(key, load)
    statuses = [(await store.read_through(k, load))[1] for k in ("b", "c", "a")]
    assert statuses == [CacheStatus.HIT, CacheStatus.HIT, CacheStatus.MISS]


async def test_a_store_of_size_zero_keeps_nothing_even_when_live() -> None:
    store, load = live_store(max_pages=0), Loads()
    statuses = [(await store.read_through("a", load))[1] for _ in range(2)]
    assert statuses == [CacheStatus.BYPASS, CacheStatus.BYPASS]


# --- listening to Postgres ----------------------------------------------------------------


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@pytest.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(ADMIN_DSN)
    yield connection
    await connection.close()


@pytest.fixture
def channel() -> str:
    return f"kit_pages_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def listening(channel: str) -> AsyncIterator[MemoryPageStore]:
    """A store listening on its own channel (and named after it in pg_stat_activity)."""
    store = MemoryPageStore(max_pages=10)
    url = ADMIN_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    async with store.listening(database_url=url, channel=channel, application_name=channel):
        assert await eventually(lambda: _is_live(store))
        yield store
    assert not store.live


async def test_it_keeps_pages_once_listening_and_a_notification_drops_them(
    admin: asyncpg.Connection, channel: str, listening: MemoryPageStore
) -> None:
    store, load = listening, Loads()
    await store.read_through("a", load)
    assert (await store.read_through("a", load))[1] is CacheStatus.HIT
    await admin.execute(f"NOTIFY {channel}")
    assert await eventually(lambda: _misses(store, "a"))


async def test_when_its_connection_ends_it_bypasses_until_it_listens_again(
    admin: asyncpg.Connection, channel: str, listening: MemoryPageStore
) -> None:
    store, load = listening, Loads()
    await store.read_through("a", load)
    ended = await admin.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        channel,
    )
    assert [row[0] for row in ended] == [True]
    assert await eventually(lambda: _is_suspended(store))
    assert (await store.read_through("a", load))[1] is CacheStatus.BYPASS
    # It connects again (after a second) and keeps pages from then on.
    assert await eventually(lambda: _is_live(store))
    assert (await store.read_through("a", load))[1] is CacheStatus.MISS
    assert (await store.read_through("a", load))[1] is CacheStatus.HIT


async def _is_live(store: MemoryPageStore) -> bool:
    return store.live


async def _is_suspended(store: MemoryPageStore) -> bool:
    return not store.live


async def _misses(store: MemoryPageStore, key: str) -> bool:
    return (await store.read_through(key, Loads()))[1] is CacheStatus.MISS
