"""The pages of `GET /dids`, kept in memory while the table stays unchanged.

The supervisors' table asks for the same few pages over and over, and the table changes
rarely: a page from memory costs a fraction of counting and reading it again. The store is
the kit's in-process backend (`switchkit.pages.memory`): it keeps pages only while it LISTENs
to `CHANGES_CHANNEL`, which a statement trigger on `inventory.dids` (migration 0002) NOTIFYs
at every commit that changes the table, whoever commits; a write through this process drops
the pages before its answer goes out (`dependencies.changing_session`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from inventory.config import Settings
from switchkit.db import Database
from switchkit.pages import PageStore
from switchkit.pages.memory import MemoryPageStore

__all__ = ["CHANGES_CHANNEL", "LISTENER_NAME", "ListPages", "page_store"]

CHANGES_CHANNEL = "inventory_dids_changed"
LISTENER_NAME = "inventory-page-cache"
"""The listening connection's `application_name`, to find it in `pg_stat_activity`."""


@dataclass(frozen=True)
class ListPages:
    """Where the pages of `GET /dids` come from: the store that keeps them, and the database
    they are read from when it does not (one dependency for the route, not two)."""

    store: PageStore
    database: Database


@asynccontextmanager
async def page_store(app: FastAPI) -> AsyncIterator[None]:
    """The lifespan hook that gives the app its list pages (`app.state.pages`)."""
    settings: Settings = app.state.settings
    store = MemoryPageStore(max_pages=settings.page_cache_size)
    app.state.pages = ListPages(store=store, database=app.state.database)
    if settings.page_cache_size == 0:
        yield  # never resumed: every page is read from Postgres (X-Cache: BYPASS)
        return
    assert settings.database_url
    async with store.listening(
        database_url=settings.database_url,
        channel=CHANGES_CHANNEL,
        application_name=LISTENER_NAME,
    ):
        yield
