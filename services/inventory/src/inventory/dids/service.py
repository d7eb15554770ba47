"""The DID logic: listing with filters, sorting and pages; creating, changing, deleting."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.dids.cache import ListPages
from inventory.dids.exceptions import DidNotFound, DuplicateNumber, StaleDid
from inventory.dids.models import Did
from inventory.dids.numbers import international
from inventory.dids.schemas import DidCreate, DidPatch, render_page
from switchkit.caching import CacheStatus
from switchkit.db import add_unique, unique_or_conflict
from switchkit.identity import Identity
from switchkit.listing import ListQuery
from switchkit.pages import CachedPage

__all__ = [
    "create",
    "delete",
    "get",
    "list_page",
    "listed_page",
    "patch",
    "replace",
]

log = logging.getLogger("inventory.dids")


async def list_page(*, session: AsyncSession, query: ListQuery) -> CachedPage:
    """The page `query` asks for, rendered, and how many rows match in all."""
    total = (await session.execute(query.where(select(func.count()).select_from(Did)))).scalar_one()
    # Columns, not entities: a page is only rendered, and 50 ORM objects cost more than the SQL.
    columns = select(Did.id, Did.e164, Did.monthly_price, Did.setup_price, Did.currency)
    rows = (await session.execute(query.rows(columns))).all()
    return CachedPage(body=render_page(rows), total=total)


async def listed_page(*, pages: ListPages, query: ListQuery) -> tuple[CachedPage, CacheStatus]:
    """The page from the store when it holds it (see inventory.dids.cache); a session is
    opened only to read it from Postgres."""

    async def load() -> CachedPage:
        async with pages.database.sessions() as session:
            return await list_page(session=session, query=query)

    return await pages.store.read_through(query.key, load)


async def get(*, session: AsyncSession, did_id: int, for_update: bool = False) -> Did:
    query = select(Did).where(Did.id == did_id)
    if for_update:
        query = query.with_for_update()
    did = (await session.execute(query)).scalar_one_or_none()
    if did is None:
        raise DidNotFound(did_id)
    return did


async def _existing_id(session: AsyncSession, e164: str) -> int | None:
    return (await session.execute(select(Did.id).where(Did.e164 == e164))).scalar_one_or_none()


@dataclass(frozen=True)
class _UniqueNumber:
    """How `add_unique` and `unique_or_conflict` find the DID holding a number, and its 409."""

    session: AsyncSession
    e164: str

    async def find_existing(self) -> int | None:
        return await _existing_id(self.session, self.e164)

    def conflict(self, existing: int) -> DuplicateNumber:
        return DuplicateNumber(existing_id=existing, value=international(self.e164))


async def create(*, session: AsyncSession, data: DidCreate, actor: Identity) -> Did:
    did = Did(
        e164=data.value,
        monthly_price=data.monthy_price,
        setup_price=data.setup_price,
        currency=data.currency,
        updated_by=actor.user_id,
    )
    unique = _UniqueNumber(session, data.value)
    await add_unique(session, did, find_existing=unique.find_existing, conflict=unique.conflict)
    log.info(
        "did created", extra={"did_id": did.id, "value": did.e164, "actor": str(actor.user_id)}
    )
    return did


async def replace(
    *, session: AsyncSession, did_id: int, data: DidCreate, if_match: str | None, actor: Identity
) -> Did:
    return await _change(
        session=session,
        did_id=did_id,
        changes=data.model_dump(),
        if_match=if_match,
        actor=actor,
        action="did replaced",
    )


async def patch(
    *, session: AsyncSession, did_id: int, data: DidPatch, if_match: str | None, actor: Identity
) -> Did:
    return await _change(
        session=session,
        did_id=did_id,
        changes=data.model_dump(exclude_unset=True),
        if_match=if_match,
        actor=actor,
        action="did patched",
    )


def _matches(did: Did, if_match: str | None) -> bool:
    if if_match is None or if_match.strip() == "*":
        return True
    return did.etag in [tag.strip().removeprefix("W/") for tag in if_match.split(",")]


async def _change(
    *,
    session: AsyncSession,
    did_id: int,
    changes: dict[str, Any],
    if_match: str | None,
    actor: Identity,
    action: str,
) -> Did:
    # Locked, so two writers with the same If-Match cannot both pass the check.
    did = await get(session=session, did_id=did_id, for_update=True)
    if not _matches(did, if_match):
        raise StaleDid(did.etag)
    before = {
        "value": did.e164,
        "monthly_price": str(did.monthly_price),
        "setup_price": str(did.setup_price),
        "currency": did.currency,
    }
    fields = {
        "value": "e164",
        "monthy_price": "monthly_price",
        "setup_price": "setup_price",
        "currency": "currency",
    }
    unique = _UniqueNumber(session, changes.get("value", did.e164))
    if unique.e164 != did.e164:
        existing = await unique.find_existing()
        if existing is not None:
            raise unique.conflict(existing)
    # Changed inside the savepoint, so a concurrent writer's number refusing this one is a 409
    # and leaves the request's transaction usable.
    async with unique_or_conflict(
        session, find_existing=unique.find_existing, conflict=unique.conflict
    ):
        for name, value in changes.items():
            setattr(did, fields[name], value)
        did.version += 1
        did.updated_at = datetime.now(UTC)
        did.updated_by = actor.user_id
    log.info(
        action,
        extra={
            "did_id": did.id,
            "before": before,
            "changes": {k: str(v) for k, v in changes.items()},
            "actor": str(actor.user_id),
        },
    )
    return did


async def delete(
    *, session: AsyncSession, did_id: int, if_match: str | None, actor: Identity
) -> None:
    did = await get(session=session, did_id=did_id, for_update=True)
    if not _matches(did, if_match):
        raise StaleDid(did.etag)
    await session.delete(did)
    await session.flush()
    log.info(
        "did deleted", extra={"did_id": did_id, "value": did.e164, "actor": str(actor.user_id)}
    )
