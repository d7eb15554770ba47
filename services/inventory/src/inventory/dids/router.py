"""HTTP routes of the DID inventory: the table a sales supervisor manages."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from inventory.dids import service
from inventory.dids.dependencies import (
    ChangingSession,
    DidId,
    DidQuery,
    IfMatch,
    Pages,
    Supervisor,
    ValidDid,
)
from inventory.dids.models import Did
from inventory.dids.queries import DIDS
from inventory.dids.schemas import DidCreate, DidOut, DidPatch
from switchkit.caching import CACHE_HEADER, cache_header_response
from switchkit.identity import CurrentUser
from switchkit.listing import LIST_HEADERS
from switchkit.middleware import quiet_successes
from switchkit.problems import problem_responses
from switchkit.responses import created

__all__ = ["router"]

router = APIRouter(prefix="/dids", tags=["dids"])
_CACHE_HEADER = cache_header_response(
    "HIT (from memory), MISS (read from Postgres, now kept) or BYPASS (read only: the cache "
    "is off, not listening for changes, or the table changed while the page was read)"
)


@router.get(
    "",
    response_model=list[DidOut],
    responses={
        200: {"headers": {**LIST_HEADERS, **_CACHE_HEADER[200]["headers"]}},
        **problem_responses(400, 401),
    },
    summary="List DIDs, a page at a time",
    openapi_extra={"parameters": DIDS.openapi_parameters()},
)
# The table's hot path: the gateway's access log has every request; failures are logged here.
@quiet_successes
async def list_dids(_: CurrentUser, query: DidQuery, pages: Pages, request: Request) -> Response:
    """A JSON array, filtered, sorted and cut as json-server 0.17 does (and `page`/`per_page`);
    `X-Total-Count` counts every match, `Link` (first/prev/next/last) links the pages. A page
    past the end is an empty array."""
    page, status = await service.listed_page(pages=pages, query=query)
    headers = query.headers(url=request.url, total=page.total)
    headers[CACHE_HEADER] = status
    # The page is kept rendered: its bytes are the answer.
    return Response(page.body, media_type="application/json", headers=headers)


def _entity(did: Did, response: Response) -> DidOut:
    """The DID as answered, its ETag on the answer."""
    response.headers["ETag"] = did.etag
    return DidOut.model_validate(did)


@router.get(
    "/{did_id}",
    response_model=DidOut,
    responses={**problem_responses(400, 401, 404), 304: {"description": "Not modified"}},
    summary="One DID, with its ETag",
)
async def get_did(
    _: CurrentUser, did: ValidDid, request: Request, response: Response
) -> DidOut | Response:
    if request.headers.get("if-none-match") == did.etag:
        return Response(status_code=304, headers={"ETag": did.etag})
    return _entity(did, response)


@router.post(
    "",
    status_code=201,
    response_model=DidOut,
    responses=problem_responses(400, 401, 403, 409),
    summary="Add a DID to the inventory",
)
async def create_did(
    actor: Supervisor, body: DidCreate, session: ChangingSession, request: Request
) -> Response:
    """Supervisors and admins. The same number written another way is a 409 naming it."""
    did = await service.create(session=session, data=body, actor=actor)
    return created(
        DidOut.model_validate(did),
        location=request.url_for("get_did", did_id=did.id),
        etag=did.etag,
    )


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
    response: Response,
    if_match: IfMatch = None,
) -> DidOut:
    """Every field is required. With `If-Match`, a DID changed meanwhile is a 412."""
    did = await service.replace(
        session=session, did_id=did_id, data=body, if_match=if_match, actor=actor
    )
    return _entity(did, response)


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
    response: Response,
    if_match: IfMatch = None,
) -> DidOut:
    did = await service.patch(
        session=session, did_id=did_id, data=body, if_match=if_match, actor=actor
    )
    return _entity(did, response)


@router.delete(
    "/{did_id}",
    status_code=204,
    responses=problem_responses(400, 401, 403, 404, 412),
    summary="Remove a DID",
)
async def delete_did(
    actor: Supervisor, did_id: DidId, session: ChangingSession, if_match: IfMatch = None
) -> None:
    await service.delete(session=session, did_id=did_id, if_match=if_match, actor=actor)
