"""HTTP routes of the DID inventory: the table a sales supervisor manages."""

# No `from __future__ import annotations`: FastAPI must see `PageDep`, built inside
# `build_router`, as an object rather than a name it cannot resolve later.

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from inventory.dids import service
from inventory.dids.dependencies import (
    ChangingSession,
    DidId,
    IfMatch,
    ListFilter,
    ListSort,
    Pages,
    Queries,
    Supervisor,
    ValidDid,
)
from inventory.dids.models import Did
from inventory.dids.pages import PageKey
from inventory.dids.schemas import DidCreate, DidOut, DidPatch, did_json
from inventory.dids.shortcut import list_response
from switchkit.caching import cache_header_response
from switchkit.db import DatabaseDep
from switchkit.identity import CurrentUser
from switchkit.pagination import PageDep
from switchkit.problems import problem_responses

__all__ = ["build_router"]


def _entity(did: Did, *, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        did_json(did), status_code=status, headers={"ETag": did.etag, **(headers or {})}
    )


def build_router(*, default_page_size: int, max_page_size: int) -> APIRouter:
    router = APIRouter(prefix="/dids", tags=["dids"])

    @router.get(
        "",
        response_model=list[DidOut],
        responses={
            **cache_header_response(
                "HIT (from memory), MISS (read from Postgres, now kept) or BYPASS (read only: "
                "the cache is off or not listening for changes)"
            ),
            **problem_responses(400, 401),
        },
        summary="List DIDs, a page at a time",
    )
    async def list_dids(
        _: CurrentUser,
        page: PageDep,
        sort: ListSort,
        where: ListFilter,
        pages: Pages,
        queries: Queries,
        database: DatabaseDep,
        request: Request,
    ) -> Response:
        """A JSON array; `X-Total-Count` and `Link` (first/prev/next/last) describe the pages.
        A page past the end is an empty array."""
        key = PageKey(page=page, sort=tuple(sort), where=where)
        listed, status = await service.listed_page(database=database, pages=pages, key=key)
        # Valid: the next request with this very query string may take the shortcut.
        queries.remember(request.scope["query_string"], key)
        return list_response(listed=listed, status=status, url=request.url, key=key)

    @router.get(
        "/{did_id}",
        response_model=DidOut,
        responses={**problem_responses(400, 401, 404), 304: {"description": "Not modified"}},
        summary="One DID, with its ETag",
    )
    async def get_did(_: CurrentUser, did: ValidDid, request: Request) -> Response:
        if request.headers.get("if-none-match") == did.etag:
            return Response(status_code=304, headers={"ETag": did.etag})
        return _entity(did)

    @router.post(
        "",
        status_code=201,
        response_model=DidOut,
        responses=problem_responses(400, 401, 403, 409),
        summary="Add a DID to the inventory",
    )
    async def create_did(
        actor: Supervisor, body: DidCreate, session: ChangingSession, request: Request
    ) -> JSONResponse:
        """Supervisors and admins. The same number written another way is a 409 naming it."""
        did = await service.create(session=session, data=body, actor=actor)
        location = str(request.url_for("get_did", did_id=did.id))
        return _entity(did, status=201, headers={"Location": location})

    @router.put(
        "/{did_id}",
        response_model=DidOut,
        responses=problem_responses(400, 401, 403, 404, 409, 412),
        summary="Replace a DID",
    )
    async def replace_did(
        actor: Supervisor,
        did_id: DidId,
        body: DidCreate,
        session: ChangingSession,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Every field is required. With `If-Match`, a DID changed meanwhile is a 412."""
        did = await service.replace(
            session=session, did_id=did_id, data=body, if_match=if_match, actor=actor
        )
        return _entity(did)

    @router.patch(
        "/{did_id}",
        response_model=DidOut,
        responses=problem_responses(400, 401, 403, 404, 409, 412),
        summary="Change some fields of a DID",
    )
    async def patch_did(
        actor: Supervisor,
        did_id: DidId,
        body: DidPatch,
        session: ChangingSession,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        did = await service.patch(
            session=session, did_id=did_id, data=body, if_match=if_match, actor=actor
        )
        return _entity(did)

    @router.delete(
        "/{did_id}",
        status_code=204,
        responses=problem_responses(400, 401, 403, 404, 412),
        summary="Remove a DID",
    )
    async def delete_did(
        actor: Supervisor, did_id: DidId, session: ChangingSession, if_match: IfMatch = None
    ) -> Response:
        await service.delete(session=session, did_id=did_id, if_match=if_match, actor=actor)
        return Response(status_code=204)

    return router
