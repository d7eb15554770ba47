"""Cached list pages: one interface, answered from memory or from Redis, always replaceable.

A list route asks its store for a page by a key that names the query; the store answers a
page it holds or calls `load` (Postgres) and keeps the result while it can be sure nothing
changed. `invalidate` runs after a commit that changed what pages show. Backends:
`switchkit.pages.memory` (in-process, dropped by Postgres LISTEN/NOTIFY) and
`switchkit.pages.redis` (a read-through cache shared by replicas, with a circuit breaker).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from switchkit.caching import CacheStatus

__all__ = ["CachedPage", "PageLoader", "PageStore"]


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A list page as it is sent: the JSON array, rendered, and how many rows match in all."""

    body: bytes
    total: int

    def encode(self) -> bytes:
        """One value for a byte store: the total on the first line, then the body."""
        return b"%d\n%b" % (self.total, self.body)

    @classmethod
    def decode(cls, data: bytes) -> CachedPage:
        total, _, body = data.partition(b"\n")
        return cls(body=body, total=int(total))


PageLoader = Callable[[], Awaitable[CachedPage]]


class PageStore(Protocol):
    """Where a list route's pages come from."""

    async def read_through(self, key: str, load: PageLoader) -> tuple[CachedPage, CacheStatus]:
        """The page kept under `key`, or `load()`'s; and whether it was a HIT, MISS or BYPASS."""
        ...

    async def invalidate(self) -> None:
        """Every kept page is gone; async so it can be an after-commit action."""
        ...
