"""Route dependencies of the DID domain: ids, the list query, the page store, roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.dids import service
from inventory.dids.cache import ListPages
from inventory.dids.models import Did
from inventory.dids.queries import DIDS
from switchkit.db import SessionDep, after_commit
from switchkit.identity import Identity, require_roles
from switchkit.listing import ListQuery

__all__ = [
    "ChangingSession",
    "DidId",
    "DidQuery",
    "IfMatch",
    "Pages",
    "Supervisor",
    "ValidDid",
]

MAX_ID = 2**63 - 1

DidId = Annotated[int, Path(ge=1, le=MAX_ID, description="The DID's id")]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; the write is refused with 412 if it changed since"),
]
Supervisor = Annotated[Identity, Depends(require_roles("supervisor", "admin"))]
DidQuery = Annotated[ListQuery, Depends(DIDS)]
"""The whole query string of `GET /dids`, validated at once (see inventory.dids.queries)."""


async def list_pages(request: Request) -> ListPages:
    pages: ListPages = request.app.state.pages
    return pages


Pages = Annotated[ListPages, Depends(list_pages)]


async def changing_session(session: SessionDep, pages: Pages) -> AsyncSession:
    """The request's session, for a write: its commit drops the cached list pages before the
    answer goes out, so the writer's next read shows the write (other replicas hear of it
    through Postgres, see inventory.dids.cache)."""
    after_commit(session, pages.store.invalidate)
    return session


ChangingSession = Annotated[AsyncSession, Depends(changing_session)]


async def valid_did(did_id: DidId, session: SessionDep) -> Did:
    return await service.get(session=session, did_id=did_id)


ValidDid = Annotated[Did, Depends(valid_did)]
