"""The Redis backend of `PageStore`: pages shared by every replica, replaced by the database.

Keys carry a version number; `invalidate` (after the commit of a write that changes what
pages show) bumps it, so every older page is unreachable at once and no client, whichever
replica it reaches next, sees a stale page after its own write. A hit is one round trip: a
small Lua script reads the version and the page under it together; the reads that arrive
while one is out share the next script call (`switchkit.coalescing`), each still answered
by a call sent after it began.

Concurrent misses for one key load it once per process, and across replicas the first to
take a short Redis lock loads while the others wait briefly for its result (the stampede
guard). When Redis fails or is slow (the client's socket timeouts), the circuit opens:
pages come from `load` with the same answer (`BYPASS`), the outage is logged once, and after
a pause one request tries Redis again. Invalidations may have been lost meanwhile, so the
first success after an outage bumps the version before anything is read from the cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from switchkit.caching import CacheStatus
from switchkit.coalescing import SharedReads
from switchkit.pages import CachedPage, PageLoader

__all__ = ["CircuitBreaker", "RedisPageStore"]

log = logging.getLogger("switchkit.pages")

# KEYS[1]: the version key; ARGV: the page keys' prefix, then the pages' own keys. Answers
# the version, then each page under it (nil when missing). The page keys are built in the
# script (not passed in KEYS) because they name the version the script reads.
READ_SCRIPT = """
local version = redis.call('GET', KEYS[1]) or '0'
local answer = {version}
for i = 2, #ARGV do
  answer[i] = redis.call('GET', ARGV[1] .. version .. ':' .. ARGV[i])
end
return answer
"""
READ_SCRIPT_SHA = hashlib.sha1(READ_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis's name)


def _as_bytes(value: bytes | str) -> bytes:
    # The client is built without decode_responses, so Redis answers bytes.
    return value if isinstance(value, bytes) else value.encode()


@dataclass
class CircuitBreaker:
    """Open after a failure for `pause_seconds`; then one caller is let through to try."""

    pause_seconds: float
    clock: Callable[[], float] = time.monotonic
    _open_until: float | None = field(default=None, init=False)
    _probing: bool = field(default=False, init=False)

    def allows(self) -> bool:
        if self._open_until is None:
            return True
        if self.clock() < self._open_until or self._probing:
            return False
        self._probing = True
        return True

    @property
    def recovering(self) -> bool:
        return self._open_until is not None

    def failed(self, error: Exception) -> None:
        if self._open_until is None:
            log.error(
                "redis unavailable; pages come from the database until it answers again",
                extra={"error": repr(error), "retry_in_seconds": self.pause_seconds},
            )
        self._open_until = self.clock() + self.pause_seconds
        self._probing = False

    def succeeded(self) -> None:
        if self._open_until is not None:
            log.warning("redis answers again; cached pages back in use")
        self._open_until = None
        self._probing = False


@dataclass
class RedisPageStore:
    """Pages under `namespace` in Redis (a client built without `decode_responses`)."""

    redis: Redis
    namespace: str
    """Every key starts with it; two stores that must not share pages need two namespaces."""
    ttl_seconds: int
    """How long a page is kept without writes; bounds memory, and staleness after an outage."""
    breaker: CircuitBreaker
    enabled: bool = True
    """False: every page comes from `load` (`BYPASS`), and Redis is never asked."""
    lock_milliseconds: int = 3000
    """How long a loader may hold the cross-replica lock before others stop waiting for it."""
    wait_seconds: float = 1.0
    """How long a replica waits for another's load before it loads the page itself."""
    poll_seconds: float = 0.02
    _flights: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)
    _reads: SharedReads[str, tuple[bytes, bytes | None]] = field(init=False)

    def __post_init__(self) -> None:
        self._reads = SharedReads(self._read_many)

    @property
    def _version_key(self) -> str:
        return f"{self.namespace}:version"

    def _page_key(self, version: bytes, key: str) -> str:
        return f"{self.namespace}:v{version.decode()}:{key}"

    async def read_through(self, key: str, load: PageLoader) -> tuple[CachedPage, CacheStatus]:
        if not self.enabled or not self.breaker.allows():
            return await load(), CacheStatus.BYPASS
        try:
            if self.breaker.recovering:
                await self.redis.incr(self._version_key)
            version, cached = await self._reads.read(key)
            self.breaker.succeeded()
        except RedisError as exc:
            self.breaker.failed(exc)
            return await load(), CacheStatus.BYPASS
        if cached is not None:
            return CachedPage.decode(cached), CacheStatus.HIT
        return await self._fill(self._page_key(version, key), load)

    async def invalidate(self) -> None:
        if not self.enabled:
            return
        try:
            await self.redis.incr(self._version_key)
        except RedisError as exc:
            # The bump is made when Redis is next reached (see `recovering`).
            self.breaker.failed(exc)

    async def _read_many(self, keys: Sequence[str]) -> list[tuple[bytes, bytes | None]]:
        """The current version and the pages kept under it, in one round trip."""
        args = (self._version_key, f"{self.namespace}:v", *keys)
        try:
            answer = await self.redis.evalsha(READ_SCRIPT_SHA, 1, *args)
        except NoScriptError:
            # Redis restarted (or flushed its scripts) since: teach it the script again.
            answer = await self.redis.eval(READ_SCRIPT, 1, *args)
        version, *pages = answer
        return [(_as_bytes(version), page) for page in pages]

    async def _fill(self, page_key: str, load: PageLoader) -> tuple[CachedPage, CacheStatus]:
        flight = self._flights.setdefault(page_key, asyncio.Lock())
        try:
            async with flight:
                return await self._load_once(page_key, load)
        finally:
            if self._flights.get(page_key) is flight and not flight.locked():
                del self._flights[page_key]

    async def _load_once(self, page_key: str, load: PageLoader) -> tuple[CachedPage, CacheStatus]:
        lock_key = f"{page_key}:lock"
        try:
            # A coroutine ahead of us in this process may have filled it meanwhile.
            cached = await self.redis.get(page_key)
            if cached is not None:
                return CachedPage.decode(_as_bytes(cached)), CacheStatus.HIT
            if not await self.redis.set(lock_key, b"1", nx=True, px=self.lock_milliseconds):
                waited = await self._wait_for_other_loader(page_key)
                if waited is not None:
                    return CachedPage.decode(waited), CacheStatus.HIT
        except RedisError as exc:
            self.breaker.failed(exc)
            return await load(), CacheStatus.BYPASS
        page = await load()
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(page_key, page.encode(), ex=self.ttl_seconds)
                pipe.delete(lock_key)
                await pipe.execute()
        except RedisError as exc:
            self.breaker.failed(exc)
        return page, CacheStatus.MISS

    async def _wait_for_other_loader(self, page_key: str) -> bytes | None:
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(self.poll_seconds)
            cached = await self.redis.get(page_key)
            if cached is not None:
                return _as_bytes(cached)
        return None
