"""The DID logic: listing with filters, sorting and pages; creating, changing, deleting."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.dids.exceptions import DidNotFound, DuplicateNumber, StaleDid
from inventory.dids.models import Did
from inventory.dids.numbers import international
from inventory.dids.pages import ListedPage, PageCache, PageKey
from inventory.dids.schemas import DidCreate, DidPatch, render_page
from switchkit.caching import CacheStatus
from switchkit.db import Database
from switchkit.identity import Identity
from switchkit.pagination import Page

__all__ = [
    "DidFilter",
    "SortKey",
    "create",
    "delete",
    "get",
    "list_page",
    "listed_page",
    "patch",
    "replace",
]

log = logging.getLogger("inventory.dids")

SORTABLE: dict[str, Any] = {
    "id": Did.id,
    "value": Did.e164,
    "monthyPrice": Did.monthly_price,
    "monthlyPrice": Did.monthly_price,
    "setupPrice": Did.setup_price,
    "currency": Did.currency,
}


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class DidFilter:
    currencies: Sequence[str] = ()
    digits: str | None = None
    """Matches numbers whose digits contain these digits (`q`, json-server's `value_like`)."""

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.currencies:
            conditions.append(Did.currency.in_(self.currencies))
        if self.digits:
            conditions.append(Did.e164.contains(self.digits, autoescape=True))
        return conditions


def only_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


async def list_page(
    *, session: AsyncSession, page: Page, sort: Sequence[SortKey], where: DidFilter
) -> tuple[Sequence[Row[int, str, Decimal, Decimal, str]], int]:
    """The page's rows (the columns `did_json` reads) and how many rows match in all."""
    conditions = where.conditions()
    total = (
        await session.execute(select(func.count()).select_from(Did).where(*conditions))
    ).scalar_one()
    order = [SORTABLE[k.field].desc() if k.descending else SORTABLE[k.field] for k in sort]
    # Columns, not entities: a page is only rendered, and 50 ORM objects cost more than the SQL.
    # The id breaks ties, so equal prices never make rows jump between pages.
    query = (
        select(Did.id, Did.e164, Did.monthly_price, Did.setup_price, Did.currency)
        .where(*conditions)
        .order_by(*order, Did.id)
        .offset(page.offset)
        .limit(page.size)
    )
    return (await session.execute(query)).all(), total


async def listed_page(
    *, database: Database, pages: PageCache, key: PageKey
) -> tuple[ListedPage, CacheStatus]:
    """The rendered page, from memory when `pages` holds it (see inventory.dids.pages); a
    session is opened only to read it from Postgres."""
    cached = pages.get(key)
    if cached is not None:
        return cached, CacheStatus.HIT
    live, generation = pages.live, pages.generation
    async with database.sessions() as session:
        rows, total = await list_page(
            session=session, page=key.page, sort=key.sort, where=key.where
        )
    listed = ListedPage(body=render_page(rows), total=total)
    if not live:
        return listed, CacheStatus.BYPASS
    pages.put(key, listed, generation=generation)
    return listed, CacheStatus.MISS


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


async def _flush_unique(session: AsyncSession, e164: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        existing = await _existing_id(session, e164)
        if existing is None:
            raise
        raise DuplicateNumber(existing_id=existing, value=international(e164)) from exc


async def create(*, session: AsyncSession, data: DidCreate, actor: Identity) -> Did:
    existing = await _existing_id(session, data.value)
    if existing is not None:
        raise DuplicateNumber(existing_id=existing, value=international(data.value))
    did = Did(
        e164=data.value,
        monthly_price=data.monthy_price,
        setup_price=data.setup_price,
        currency=data.currency,
        updated_by=actor.user_id,
    )
    session.add(did)
    await _flush_unique(session, data.value)
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
    if "value" in changes and changes["value"] != before["value"]:
        existing = await _existing_id(session, changes["value"])
        if existing is not None:
            raise DuplicateNumber(existing_id=existing, value=international(changes["value"]))
    for name, value in changes.items():
        setattr(did, fields[name], value)
    did.version += 1
    did.updated_at = datetime.now(UTC)
    did.updated_by = actor.user_id
    await _flush_unique(session, did.e164)
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
