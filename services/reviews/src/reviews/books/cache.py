"""A read-through cache of rendered `GET /books` pages in Redis that Postgres can always replace.

Keys carry a version number; a write that changes what pages show bumps the version (after
its commit), so every older page is unreachable at once and no client sees a stale page after
its own write. Concurrent misses for one key load it once per process, and across replicas
the first to take a short Redis lock loads while the others wait briefly for its result.

When Redis fails or is slow (short socket timeouts), the circuit opens: requests go straight
to Postgres with the same answer, the outage is logged once, and after a pause one request
tries Redis again. Invalidations may have been lost while it was down, so the first success
after an outage bumps the version before anything is read from the cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from switchkit.caching import CacheStatus

__all__ = ["CircuitBreaker", "PageCache"]

log = logging.getLogger("reviews.cache")
LOCK_MILLISECONDS = 3000
WAIT_FOR_OTHER_LOADER_SECONDS = 1.0
POLL_SECONDS = 0.02


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
                "redis unavailable; serving from postgres until it answers again",
                extra={"error": repr(error), "retry_in_seconds": self.pause_seconds},
            )
        self._open_until = self.clock() + self.pause_seconds
        self._probing = False

    def succeeded(self) -> None:
        if self._open_until is not None:
            log.warning("redis answers again; cache back in use")
        self._open_until = None
        self._probing = False


@dataclass
class PageCache:
    redis: Redis
    namespace: str
    ttl_seconds: int
    breaker: CircuitBreaker
    enabled: bool = True
    _flights: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)

    @property
    def _version_key(self) -> str:
        return f"{self.namespace}:version"

    async def read_through(
        self, key: str, load: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, CacheStatus]:
        """The cached value of `key`, or `load()`'s, and where it came from."""
        if not self.enabled or not self.breaker.allows():
            return await load(), CacheStatus.BYPASS
        try:
            if self.breaker.recovering:
                await self.redis.incr(self._version_key)
            full_key = f"{self.namespace}:v{await self._version()}:{key}"
            cached = await self.redis.get(full_key)
            self.breaker.succeeded()
        except RedisError as exc:
            self.breaker.failed(exc)
            return await load(), CacheStatus.BYPASS
        if cached is not None:
            return _as_bytes(cached), CacheStatus.HIT
        return await self._fill(full_key, load)

    async def invalidate(self) -> None:
        """Makes every cached page unreachable; call after the write committed."""
        if not self.enabled:
            return
        try:
            await self.redis.incr(self._version_key)
        except RedisError as exc:
            # The bump is retried when Redis is next reached (see `recovering`).
            self.breaker.failed(exc)

    async def _version(self) -> int:
        value = await self.redis.get(self._version_key)
        return int(value) if value is not None else 0

    async def _fill(
        self, full_key: str, load: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, CacheStatus]:
        flight = self._flights.setdefault(full_key, asyncio.Lock())
        try:
            async with flight:
                return await self._load_once(full_key, load)
        finally:
            if self._flights.get(full_key) is flight and not flight.locked():
                del self._flights[full_key]

    async def _load_once(
        self, full_key: str, load: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, CacheStatus]:
        lock_key = f"{full_key}:lock"
        try:
            # A coroutine ahead of us in this process may have filled it meanwhile.
            cached = await self.redis.get(full_key)
            if cached is not None:
                return _as_bytes(cached), CacheStatus.HIT
            if not await self.redis.set(lock_key, b"1", nx=True, px=LOCK_MILLISECONDS):
                waited = await self._wait_for_other_loader(full_key)
                if waited is not None:
                    return waited, CacheStatus.HIT
        except RedisError as exc:
            self.breaker.failed(exc)
            return await load(), CacheStatus.BYPASS
        value = await load()
        try:
            await self.redis.set(full_key, value, ex=self.ttl_seconds)
            await self.redis.delete(lock_key)
        except RedisError as exc:
            self.breaker.failed(exc)
        return value, CacheStatus.MISS

    async def _wait_for_other_loader(self, full_key: str) -> bytes | None:
        deadline = time.monotonic() + WAIT_FOR_OTHER_LOADER_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            cached = await self.redis.get(full_key)
            if cached is not None:
                return _as_bytes(cached)
        return None
