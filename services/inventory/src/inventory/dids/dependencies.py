"""Route dependencies of the DID domain: ids, sort orders, filters, roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.dids import service
from inventory.dids.exceptions import InvalidQuery
from inventory.dids.models import Did
from inventory.dids.money import CURRENCIES
from inventory.dids.pages import PageCache
from inventory.dids.service import SORTABLE, DidFilter, SortKey, only_digits
from inventory.dids.shortcut import ValidatedQueries
from switchkit.db import SessionDep, after_commit
from switchkit.identity import Identity, require_roles

__all__ = [
    "ChangingSession",
    "DidId",
    "IfMatch",
    "ListFilter",
    "ListSort",
    "Pages",
    "Queries",
    "Supervisor",
    "ValidDid",
]

MAX_ID = 2**63 - 1
SORT_FIELDS = ", ".join(f for f in SORTABLE if f != "monthlyPrice")

DidId = Annotated[int, Path(ge=1, le=MAX_ID, description="The DID's id")]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; the write is refused with 412 if it changed since"),
]
Supervisor = Annotated[Identity, Depends(require_roles("supervisor", "admin"))]


async def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache


Pages = Annotated[PageCache, Depends(page_cache)]


async def validated_queries(request: Request) -> ValidatedQueries:
    queries: ValidatedQueries = request.app.state.validated_queries
    return queries


Queries = Annotated[ValidatedQueries, Depends(validated_queries)]


async def changing_session(session: SessionDep, pages: Pages) -> AsyncSession:
    """The request's session, for a write: its commit drops the cached list pages before the
    answer goes out, so the writer's next read shows the write (other replicas hear of it
    through Postgres, see inventory.dids.pages)."""
    after_commit(session, pages.invalidate)
    return session


ChangingSession = Annotated[AsyncSession, Depends(changing_session)]


async def valid_did(did_id: DidId, session: SessionDep) -> Did:
    return await service.get(session=session, did_id=did_id)


ValidDid = Annotated[Did, Depends(valid_did)]


async def list_sort(
    sort: Annotated[
        str | None,
        Query(
            description=f"Comma-separated fields, `-` for descending: {SORT_FIELDS}",
            examples=["-monthyPrice,value"],
        ),
    ] = None,
    json_server_sort: Annotated[
        str | None, Query(alias="_sort", description="json-server's sort field(s)")
    ] = None,
    json_server_order: Annotated[
        str | None, Query(alias="_order", description="json-server's `asc`/`desc` per field")
    ] = None,
) -> list[SortKey]:
    if sort is not None:
        keys = [
            SortKey(field=part.strip().lstrip("-"), descending=part.strip().startswith("-"))
            for part in sort.split(",")
        ]
        parameter = "sort"
    elif json_server_sort is not None:
        fields = [part.strip() for part in json_server_sort.split(",")]
        orders = [part.strip().lower() for part in (json_server_order or "").split(",") if part]
        if any(order not in ("asc", "desc") for order in orders):
            raise InvalidQuery("_order", "must be asc or desc (comma-separated per field)")
        orders += ["asc"] * (len(fields) - len(orders))
        keys = [
            SortKey(field=f, descending=o == "desc") for f, o in zip(fields, orders, strict=False)
        ]
        parameter = "_sort"
    else:
        return []
    for key in keys:
        if key.field not in SORTABLE:
            raise InvalidQuery(parameter, f"cannot sort by {key.field!r}; use one of {SORT_FIELDS}")
    return keys


async def list_filter(
    currency: Annotated[
        list[str] | None,
        Query(description="Only these currencies (repeat to give several)", examples=["U$"]),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Digits the number contains, in any format",
            examples=["9123"],
        ),
    ] = None,
    value_like: Annotated[
        str | None, Query(max_length=32, description="json-server's name for `q`")
    ] = None,
) -> DidFilter:
    for code in currency or []:
        if code not in CURRENCIES:
            raise InvalidQuery("currency", f"must be one of {', '.join(CURRENCIES)}")
    search, parameter = (q, "q") if q is not None else (value_like, "value_like")
    digits = None
    if search is not None:
        digits = only_digits(search)
        if not digits:
            raise InvalidQuery(parameter, "must contain digits to look for in the numbers")
    return DidFilter(currencies=tuple(currency or ()), digits=digits)


ListSort = Annotated[list[SortKey], Depends(list_sort)]
ListFilter = Annotated[DidFilter, Depends(list_filter)]
