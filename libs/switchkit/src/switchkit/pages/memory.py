"""List pages kept in this process, and dropped the moment Postgres says the table changed.

A page may be answered from memory only while the process is sure to hear of every change:

- a write through this process drops every page before its answer is sent (`invalidate`,
  run after the commit), so a writer reads its own write;
- every commit that changes the table, whoever makes it (another replica, a seed command, an
  operator's psql), NOTIFYs a channel the service names (a statement trigger in its migrations);
  a connection of the store's own LISTENs to it and drops every page when one arrives;
- while that connection is down, nothing is kept and nothing is answered from memory
  (`BYPASS`), until it listens again;
- a page read from a snapshot older than a change heard meanwhile is not kept (the
  generation it was read under is gone).

Another replica's write is seen here as soon as Postgres delivers the notification (well
under a millisecond on one host).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url

from switchkit.caching import CacheStatus
from switchkit.pages import CachedPage, PageLoader

__all__ = ["ChangeListener", "MemoryPageStore"]

log = logging.getLogger("switchkit.pages")


class MemoryPageStore:
    """A `PageStore` in memory: up to `max_pages` pages by key, the oldest make way.

    Empty and bypassed until `resume` says changes are heard (`ChangeListener` does); with
    `max_pages=0` it keeps nothing and answers every page `BYPASS`.
    """

    def __init__(self, *, max_pages: int) -> None:
        self._pages: dict[str, CachedPage] = {}
        self._max_pages = max_pages
        self._live = False
        self.generation = 0
        """Bumped by every change; a page read under an older one is not kept."""

    @property
    def live(self) -> bool:
        return self._live

    async def read_through(self, key: str, load: PageLoader) -> tuple[CachedPage, CacheStatus]:
        if self._live:
            kept = self._pages.get(key)
            if kept is not None:
                return kept, CacheStatus.HIT
        live, generation = self._live, self.generation
        page = await load()
        if not (live and self._live and generation == self.generation and self._max_pages > 0):
            return page, CacheStatus.BYPASS
        if len(self._pages) >= self._max_pages:
            del self._pages[next(iter(self._pages))]
        self._pages[key] = page
        return page, CacheStatus.MISS

    async def invalidate(self) -> None:
        self.forget()

    def forget(self) -> None:
        """Every page is gone, and any being read now will not be kept."""
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

    @contextlib.asynccontextmanager
    async def listening(
        self, *, database_url: str, channel: str, application_name: str
    ) -> AsyncIterator[None]:
        """Keeps pages while a `ChangeListener` hears `channel` (for an app's lifespan)."""
        listener = ChangeListener(
            store=self,
            database_url=database_url,
            channel=channel,
            application_name=application_name,
        )
        async with listener.running():
            yield


class ChangeListener:
    """Keeps a connection LISTENing on `channel` and tells the store what it hears.

    A connection of its own, outside the request pool: it must stay idle between
    notifications. It is probed every `probe_seconds`, so a connection that died without a
    word (a half-open TCP connection) suspends the store within about that time.
    """

    def __init__(
        self,
        *,
        store: MemoryPageStore,
        database_url: str,
        channel: str,
        application_name: str,
        retry_seconds: float = 1.0,
        probe_seconds: float = 5.0,
    ) -> None:
        self._store = store
        # SQLAlchemy's URL (postgresql+asyncpg://...) as asyncpg's own DSN.
        self._dsn = make_url(database_url).set(drivername="postgresql")
        self._channel = channel
        self._application_name = application_name
        self._retry_seconds = retry_seconds
        self._probe_seconds = probe_seconds

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._listen_forever(), name=self._application_name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._store.suspend()

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning(
                    "page cache off: not listening for changes",
                    extra={
                        "channel": self._channel,
                        "error": repr(exc),
                        "retry_seconds": self._retry_seconds,
                    },
                )
            finally:
                self._store.suspend()
            await asyncio.sleep(self._retry_seconds)

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(
            dsn=self._dsn.render_as_string(hide_password=False),
            timeout=self._probe_seconds,
            server_settings={"application_name": self._application_name},
        )
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(self._channel, self._on_change)
            # Only now is every later commit sure to reach us.
            self._store.resume()
            log.info("page cache on: listening for changes", extra={"channel": self._channel})
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self._probe_seconds)
                if not lost.is_set():
                    await connection.execute("SELECT 1", timeout=self._probe_seconds)
            raise ConnectionResetError("the listening connection was closed")
        finally:
            self._store.suspend()
            if not connection.is_closed():
                connection.terminate()

    def _on_change(self, *_: object) -> None:
        self._store.forget()
