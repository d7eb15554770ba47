"""List pages kept in memory, rendered, and dropped the moment the dids table changes.

The supervisors' table asks for the same few pages over and over, and the table changes
rarely; answering a page from memory costs a fraction of counting and reading it again.
A page may be answered from memory only while this process is sure to hear of every change:

- a write through this process drops every page before its answer is sent (read your writes);
- every commit that touches `inventory.dids` (any replica, the seed command, an operator's
  psql) fires a statement trigger that NOTIFYs `CHANGES_CHANNEL` (migration 0002); Postgres
  delivers it at commit, and the listener here drops every page when it arrives;
- while the listening connection is down (Postgres restarted, network), nothing is kept and
  nothing is answered from memory, until it listens again;
- a page read from a snapshot older than a change that arrived meanwhile is not kept
  (the generation it started under is gone).

Another replica's write is thus seen here as soon as Postgres delivers its notification
(well under a millisecond on one host); see the service README.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    # The service imports this module; these are only annotations here.
    from inventory.dids.service import DidFilter, SortKey
    from switchkit.pagination import Page

__all__ = [
    "CHANGES_CHANNEL",
    "ChangeListener",
    "ListedPage",
    "PageCache",
    "PageKey",
]

log = logging.getLogger("inventory.pages")

CHANGES_CHANNEL = "inventory_dids_changed"
LISTENER_NAME = "inventory-page-cache"


@dataclass(frozen=True)
class PageKey:
    page: Page
    sort: tuple[SortKey, ...]
    where: DidFilter


@dataclass(frozen=True)
class ListedPage:
    body: bytes
    """The JSON array, rendered."""
    total: int


class PageCache:
    """Rendered pages by query; empty and bypassed unless `resume` said changes are heard."""

    def __init__(self, *, max_pages: int) -> None:
        self._pages: dict[PageKey, ListedPage] = {}
        self._max_pages = max_pages
        self._live = False
        self.generation = 0
        """Bumped by every change; a page read under an older one is not kept."""

    @property
    def live(self) -> bool:
        return self._live

    def get(self, key: PageKey) -> ListedPage | None:
        return self._pages.get(key) if self._live else None

    def put(self, key: PageKey, page: ListedPage, *, generation: int) -> None:
        if not self._live or generation != self.generation or self._max_pages <= 0:
            return
        if len(self._pages) >= self._max_pages:
            del self._pages[next(iter(self._pages))]
        self._pages[key] = page

    async def invalidate(self) -> None:
        """Async to serve as an after-commit action (`switchkit.db.after_commit`)."""
        self.forget()

    def forget(self) -> None:
        self.generation += 1
        self._pages.clear()

    def resume(self) -> None:
        """Changes are heard from now on."""
        self.forget()
        self._live = True

    def suspend(self) -> None:
        """Changes may go unheard: keep nothing, answer nothing from memory."""
        self._live = False
        self.forget()


class ChangeListener:
    """Keeps a connection LISTENing on `CHANGES_CHANNEL` and tells the cache what it hears.

    A connection of its own, outside the request pool: it must stay idle between
    notifications. It is probed every `probe_seconds`, so a connection that died without a
    word (a half-open TCP connection) suspends the cache within about that time.
    """

    def __init__(
        self,
        *,
        cache: PageCache,
        database_url: str,
        retry_seconds: float = 1.0,
        probe_seconds: float = 5.0,
    ) -> None:
        self._cache = cache
        # SQLAlchemy's URL (postgresql+asyncpg://...) as asyncpg's own DSN.
        self._dsn = make_url(database_url).set(drivername="postgresql")
        self._retry_seconds = retry_seconds
        self._probe_seconds = probe_seconds

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._listen_forever(), name="inventory-page-cache-listener")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._cache.suspend()

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning(
                    "page cache off: not listening for changes",
                    extra={"error": repr(exc), "retry_seconds": self._retry_seconds},
                )
            finally:
                self._cache.suspend()
            await asyncio.sleep(self._retry_seconds)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(
            dsn=self._dsn.render_as_string(hide_password=False),
            timeout=self._probe_seconds,
            server_settings={"application_name": LISTENER_NAME},
        )
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(CHANGES_CHANNEL, self._on_change)
            # Only now is every later commit sure to reach us.
            self._cache.resume()
            log.info("page cache on: listening for changes", extra={"channel": CHANGES_CHANNEL})
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self._probe_seconds)
                if not lost.is_set():
                    await connection.execute("SELECT 1", timeout=self._probe_seconds)
            raise ConnectionResetError("the listening connection was closed")
        finally:
            self._cache.suspend()
            if not connection.is_closed():
                connection.terminate()

    def _on_change(self, *_: object) -> None:
        self._cache.forget()
