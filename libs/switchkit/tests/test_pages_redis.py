"""The Redis page store on its own, on real Redis: hit, miss, invalidation, the stampede guard,
and an outage drill on a redis-server of the test's own."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from switchkit.caching import CacheStatus
from switchkit.pages import CachedPage, PageLoader
from switchkit.pages.redis import CircuitBreaker, RedisPageStore

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL") or "redis://127.0.0.1:6379/1"
TIMEOUT = 0.5


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """A `load` that counts its calls and answers page `v<n>` on the n-th."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> CachedPage:
        self.calls += 1
        return CachedPage(body=b'["v%d"]' % self.calls, total=self.calls)


def page(n: int) -> CachedPage:
    return CachedPage(body=b'["v%d"]' % n, total=n)


def client(url: str = REDIS_URL) -> Redis:
    return Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    connection = client()
    yield connection
    await connection.aclose()


@pytest.fixture
def namespace() -> str:
    # Each test has keys of its own in the shared test db; nothing to flush.
    return f"kittest:{uuid.uuid4().hex}"


def store_on(
    redis: Redis, namespace: str, *, clock: FakeClock | None = None, **options: object
) -> RedisPageStore:
    """A store whose breaker pauses 5 s after a failure, by `clock` when given."""
    return RedisPageStore(
        redis=redis,
        namespace=namespace,
        ttl_seconds=60,
        breaker=CircuitBreaker(pause_seconds=5, clock=clock or time.monotonic),
        **options,  # type: ignore[arg-type]
    )


async def test_a_miss_loads_and_keeps_the_page_then_a_hit_does_not_load(
    redis: Redis, namespace: str
) -> None:
    store, load = store_on(redis, namespace), Loader()
    assert await store.read_through("p1", load) == (page(1), CacheStatus.MISS)
    assert await store.read_through("p1", load) == (page(1), CacheStatus.HIT)
    assert load.calls == 1


async def test_each_key_is_a_page_of_its_own(redis: Redis, namespace: str) -> None:
    store, load = store_on(redis, namespace), Loader()
    await store.read_through("p1", load)
    assert await store.read_through("p2", load) == (page(2), CacheStatus.MISS)
    assert await store.read_through("p1", load) == (page(1), CacheStatus.HIT)


async def test_a_page_is_kept_with_the_store_ttl(redis: Redis, namespace: str) -> None:
    await store_on(redis, namespace).read_through("p1", Loader())
    [key] = [k async for k in redis.scan_iter(f"{namespace}:v*")]
    assert 55 <= await redis.ttl(key) <= 60


async def test_invalidate_makes_every_page_load_again(redis: Redis, namespace: str) -> None:
    store, load = store_on(redis, namespace), Loader()
    await store.read_through("p1", load)
    await store.read_through("p2", load)
    await store.invalidate()
    assert await store.read_through("p1", load) == (page(3), CacheStatus.MISS)
    assert await store.read_through("p2", load) == (page(4), CacheStatus.MISS)


async def test_an_invalidation_through_one_replica_is_seen_by_another(
    redis: Redis, namespace: str
) -> None:
    other = client()
    replica_a, replica_b = store_on(redis, namespace), store_on(other, namespace)
    load = Loader()
    await replica_b.read_through("p1", load)
    assert (await replica_a.read_through("p1", load))[1] is CacheStatus.HIT
    await replica_a.invalidate()
    assert await replica_b.read_through("p1", load) == (page(2), CacheStatus.MISS)
    await other.aclose()


async def test_a_load_that_raced_an_invalidation_is_never_served(
    redis: Redis, namespace: str
) -> None:
    store = store_on(redis, namespace)
    loading, invalidated = asyncio.Event(), asyncio.Event()

    async def slow_load() -> CachedPage:
        # It read the data before the write committed, and stores it after the bump.
        loading.set()
        await invalidated.wait()
        return CachedPage(body=b'["before the write"]', total=1)

    reader = asyncio.create_task(store.read_through("p1", slow_load))
    await loading.wait()
    await store.invalidate()
    invalidated.set()
    assert (await reader)[1] is CacheStatus.MISS
    assert await store.read_through("p1", Loader()) == (page(1), CacheStatus.MISS)


async def test_concurrent_misses_in_one_process_load_once(redis: Redis, namespace: str) -> None:
    # Polling Redis every 2 s for another loader's page would take that long: the coroutines of
    # one process wait for each other's load instead, and read the page as soon as it is kept.
    store, load = store_on(redis, namespace, poll_seconds=2.0, wait_seconds=5.0), Loader()
    reads = asyncio.gather(*(store.read_through("p1", load) for _ in range(10)))
    answers = await asyncio.wait_for(reads, timeout=1.0)
    assert load.calls == 1
    assert sorted(status for _, status in answers) == [CacheStatus.HIT] * 9 + [CacheStatus.MISS]
    assert {listed for listed, _ in answers} == {page(1)}


async def test_a_replica_waits_for_the_page_another_is_loading(
    redis: Redis, namespace: str
) -> None:
    other = client()
    replica_a, replica_b = store_on(redis, namespace), store_on(other, namespace)
    started, release = asyncio.Event(), asyncio.Event()
    load = Loader()

    async def held_load() -> CachedPage:
        started.set()
        await release.wait()
        return await load()

    first = asyncio.create_task(replica_a.read_through("p1", held_load))
    await started.wait()
    second = asyncio.create_task(replica_b.read_through("p1", load))
    await asyncio.sleep(0.1)
    assert not second.done(), "replica b must wait for a's load rather than load itself"
    release.set()
    assert await first == (page(1), CacheStatus.MISS)
    assert await second == (page(1), CacheStatus.HIT)
    assert load.calls == 1
    assert not [k async for k in redis.scan_iter(f"{namespace}:*:lock")], "the lock is released"
    await other.aclose()


async def test_a_replica_loads_itself_when_the_other_loader_takes_too_long(
    redis: Redis, namespace: str
) -> None:
    other = client()
    replica_a = store_on(redis, namespace)
    replica_b = store_on(other, namespace, wait_seconds=0.1)
    started, release = asyncio.Event(), asyncio.Event()

    async def stuck_load() -> CachedPage:
        started.set()
        await release.wait()
        return page(9)

    stuck = asyncio.create_task(replica_a.read_through("p1", stuck_load))
    await started.wait()
    assert await replica_b.read_through("p1", Loader()) == (page(1), CacheStatus.MISS)
    release.set()
    await stuck
    await other.aclose()


async def test_a_disabled_store_always_loads_and_never_asks_redis(namespace: str) -> None:
    nowhere = client("redis://127.0.0.1:1/0")
    store, load = store_on(nowhere, namespace, enabled=False), Loader()
    assert await store.read_through("p1", load) == (page(1), CacheStatus.BYPASS)
    assert await store.read_through("p1", load) == (page(2), CacheStatus.BYPASS)
    await store.invalidate()
    assert not store.breaker.recovering, "Redis was never tried"
    await nowhere.aclose()


async def test_a_hit_works_after_redis_forgot_its_scripts(redis: Redis, namespace: str) -> None:
    store, load = store_on(redis, namespace), Loader()
    await store.read_through("p1", load)
    await redis.script_flush()
    assert await store.read_through("p1", load) == (page(1), CacheStatus.HIT)


def test_the_breaker_pauses_then_lets_one_probe_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(pause_seconds=30, clock=clock)
    assert breaker.allows()
    breaker.failed(ConnectionError("down"))
    assert not breaker.allows()
    clock.now = 31
    assert breaker.allows()
    assert not breaker.allows(), "only one probe while the first is in flight"
    breaker.succeeded()
    assert breaker.allows()
    assert not breaker.recovering


# --- an outage drill, on a redis-server of the test's own (the shared one is never stopped) ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OwnRedis:
    """A redis-server on a free port, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is needed for the outage drill"
        self.process = subprocess.Popen(  # noqa: S603 (a fixed program, our arguments)
            [server, *f"--port {self.port} --bind 127.0.0.1 --appendonly no".split(), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("the test's redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=5)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Drill:
    server: OwnRedis
    store: RedisPageStore
    clock: FakeClock


@pytest.fixture
async def drill(own_redis: OwnRedis, namespace: str) -> AsyncIterator[Drill]:
    """A store on the test's own redis-server, its breaker on a clock the test moves."""
    clock = FakeClock()
    connection = client(own_redis.url)
    yield Drill(server=own_redis, store=store_on(connection, namespace, clock=clock), clock=clock)
    await connection.aclose()


@contextmanager
def outage_lines(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """What the store logs inside the block."""
    caplog.set_level(logging.INFO, logger="switchkit.pages")
    before = len(caplog.records)
    lines: list[logging.LogRecord] = []
    yield lines
    lines.extend(r for r in caplog.records[before:] if r.name == "switchkit.pages")


async def test_with_redis_down_pages_come_from_load_and_the_outage_is_logged_once(
    drill: Drill, caplog: pytest.LogCaptureFixture
) -> None:
    load = Loader()
    await drill.store.read_through("p1", load)
    drill.server.stop()
    with outage_lines(caplog) as lines:
        answers = [await drill.store.read_through("p1", load) for _ in range(3)]
        await drill.store.invalidate()
    assert answers == [(page(n), CacheStatus.BYPASS) for n in (2, 3, 4)]
    assert [(r.levelname, r.getMessage().split(";")[0]) for r in lines] == [
        ("ERROR", "redis unavailable")
    ]


async def test_after_an_outage_the_pages_from_before_it_are_not_served(
    drill: Drill, caplog: pytest.LogCaptureFixture
) -> None:
    store, load = drill.store, Loader()
    await store.read_through("p1", load)
    reachable, unreachable = store.redis, client("redis://127.0.0.1:1/0")
    # The server keeps its data (a network outage); only this store cannot reach it...
    store.redis = unreachable
    assert await store.read_through("p1", load) == (page(2), CacheStatus.BYPASS)
    # ...and an invalidation it makes meanwhile is lost.
    await store.invalidate()
    drill.clock.now = 2
    assert await store.read_through("p1", load) == (page(3), CacheStatus.BYPASS), "paused"
    store.redis = reachable
    drill.clock.now = 6
    with outage_lines(caplog) as lines:
        assert await store.read_through("p1", load) == (page(4), CacheStatus.MISS)
        assert await store.read_through("p1", load) == (page(4), CacheStatus.HIT)
    assert [r.levelname for r in lines] == ["WARNING"], "the recovery is logged once"
    await unreachable.aclose()


async def test_while_paused_the_store_does_not_try_redis(drill: Drill) -> None:
    drill.server.stop()
    await drill.store.read_through("p1", Loader())
    drill.server.start()
    # Redis is back, but the pause is not over: answered from load without asking it.
    assert (await drill.store.read_through("p1", Loader()))[1] is CacheStatus.BYPASS
    assert await drill.store.redis.dbsize() == 0
    drill.clock.now = 6
    assert (await drill.store.read_through("p1", Loader()))[1] is CacheStatus.MISS


async def test_concurrent_hits_share_round_trips_and_each_gets_its_own_page(drill: Drill) -> None:
    store = drill.store
    pages = {f"p{n}": CachedPage(body=b'["%d"]' % n, total=n) for n in range(10)}

    def loader(key: str) -> PageLoader:
        async def load() -> CachedPage:
            return pages[key]

        return load

    for key in pages:
        await store.read_through(key, loader(key))
    await store.redis.config_resetstat()
    keys = [*pages] * 3
    answers = await asyncio.gather(*(store.read_through(key, loader(key)) for key in keys))
    assert answers == [(pages[key], CacheStatus.HIT) for key in keys]
    stats = await store.redis.info("commandstats")
    scripts = stats.get("cmdstat_evalsha", {}).get("calls", 0)
    assert 1 <= scripts <= 3, f"{len(keys)} reads took {scripts} round trips"
