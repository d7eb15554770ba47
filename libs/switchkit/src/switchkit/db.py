"""Async SQLAlchemy: one engine per service, one session per request, committed by the request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import MetaData, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = [
    "NAMING_CONVENTION",
    "Database",
    "DatabaseDep",
    "SessionDep",
    "add_unique",
    "after_commit",
    "flush_unique",
    "get_database",
    "get_session",
    "schema_metadata",
    "unique_or_conflict",
    "unit_of_work",
]

log = logging.getLogger("switchkit.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata for a service's own Postgres schema, with stable constraint names."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


class Database:
    """Owns the engine and the session factory of one service."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT = "switchkit.after_commit"


def after_commit(session: AsyncSession, action: AfterCommit) -> None:
    """Runs `action` once the unit of work has committed, never if it rolls back.

    For what must not happen before the data is durable: invalidating a cache (a reader
    could otherwise re-cache the old data), announcing an event (listeners would fetch a
    row that may yet vanish).
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commits the session when the block ends normally, rolls it back when it raises."""
    try:
        yield session
    except BaseException:
        session.info.pop(_AFTER_COMMIT, None)
        await session.rollback()
        raise
    await session.commit()
    for action in session.info.pop(_AFTER_COMMIT, []):
        try:
            await action()
        except Exception:
            # The data is committed; the caller's answer must say so. Log and go on.
            log.exception("an after-commit action failed")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: committed when the route returns, rolled back if it raises.

    Used with scope="function" so the commit happens before the response is sent:
    a failed commit becomes an error answer instead of a 2xx for data that was lost.
    """
    database: Database = request.app.state.database
    async with database.sessions() as session, unit_of_work(session):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_database(request: Request) -> Database:
    """The service's database, for a route that opens a session only when it needs one
    (an answer from a cache needs none, and a session costs even unused)."""
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


FoundT = TypeVar("FoundT")


@asynccontextmanager
async def unique_or_conflict(
    session: AsyncSession,
    *,
    find_existing: Callable[[], Awaitable[FoundT | None]],
    conflict: Callable[[FoundT], Exception],
) -> AsyncIterator[None]:
    """The rows the block adds or changes, flushed in a savepoint; refused by a unique
    constraint, they raise `conflict(existing)` and the request's transaction stays usable.

    Make the changes inside the block: `begin_nested` first flushes what is pending outside
    the savepoint, where a refused row would fail the whole transaction. When the constraint
    fired but `find_existing` finds nothing (another unique column, or the other row vanished
    meanwhile), the `IntegrityError` goes on: it is not this conflict.
    """
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as exc:
        existing = await find_existing()
        if existing is None:
            raise
        raise conflict(existing) from exc


async def flush_unique(
    session: AsyncSession,
    *,
    find_existing: Callable[[], Awaitable[FoundT | None]],
    conflict: Callable[[FoundT], Exception],
) -> None:
    """Flushes pending rows; a unique constraint that refuses them raises `conflict(existing)`.

    Beware: rows made pending before the call are flushed by `begin_nested` outside the
    savepoint, so a refused one fails the transaction (a 500, not the conflict). Make the
    change inside `unique_or_conflict` instead (`add_unique` does).
    """
    async with unique_or_conflict(session, find_existing=find_existing, conflict=conflict):
        pass


async def add_unique(
    session: AsyncSession,
    row: object,
    *,
    find_existing: Callable[[], Awaitable[FoundT | None]],
    conflict: Callable[[FoundT], Exception],
) -> None:
    """Adds `row` unless it would duplicate one `find_existing` finds: then `conflict(it)`.

    Checked before the insert (the common case, no failed statement) and again when the
    insert loses a race to a concurrent one, so both ways end in the same conflict.
    """
    existing = await find_existing()
    if existing is not None:
        raise conflict(existing)
    async with unique_or_conflict(session, find_existing=find_existing, conflict=conflict):
        session.add(row)
