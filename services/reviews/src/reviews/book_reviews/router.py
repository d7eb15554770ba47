"""HTTP routes of a book's reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from reviews.book_reviews import service
from reviews.book_reviews.dependencies import ValidReview
from reviews.book_reviews.schemas import ReviewIn, ReviewOut
from reviews.books.dependencies import CacheDep, ValidBook
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.problems import problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/books/{book_id}/reviews", tags=["reviews"])
MAX_LIMIT = 100


def _json(review: ReviewOut) -> dict[str, object]:
    return review.model_dump(mode="json", by_alias=True)


@router.get(
    "",
    response_model=list[ReviewOut],
    responses=problem_responses(400, 401, 404),
    summary="A book's reviews, newest first",
)
async def list_reviews(
    _: CurrentUser,
    book: ValidBook,
    session: SessionDep,
    request: Request,
    before: Annotated[
        int | None, Query(ge=1, description="Only reviews older than this review id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 20,
) -> JSONResponse:
    """Cursor pages: while older reviews remain, `Link: <...?before=ID>; rel="next"`."""
    reviews, more = await service.list_newest_first(
        session=session, book_id=book.id, before=before, limit=limit
    )
    headers = {}
    if more:
        older = request.url.include_query_params(before=reviews[-1].id, limit=limit)
        headers["Link"] = f'<{older}>; rel="next"'
    return JSONResponse([_json(ReviewOut.of(r)) for r in reviews], headers=headers)


@router.post(
    "",
    status_code=201,
    response_model=ReviewOut,
    responses=problem_responses(400, 401, 404, 409),
    summary="Review a book (once per user)",
)
async def create_review(
    author: CurrentUser,
    book: ValidBook,
    body: ReviewIn,
    session: SessionDep,
    cache: CacheDep,
    request: Request,
) -> JSONResponse:
    review = await service.create(
        session=session, cache=cache, book_id=book.id, data=body, author=author
    )
    location = str(request.url_for("get_review", book_id=book.id, review_id=review.id))
    return JSONResponse(
        _json(ReviewOut.of(review)), status_code=201, headers={"Location": location}
    )


@router.get(
    "/{review_id}",
    response_model=ReviewOut,
    responses=problem_responses(400, 401, 404),
    summary="One review",
)
async def get_review(_: CurrentUser, review: ValidReview) -> ReviewOut:
    return ReviewOut.of(review)


@router.put(
    "/{review_id}",
    response_model=ReviewOut,
    responses=problem_responses(400, 401, 403, 404),
    summary="Change your review",
)
async def replace_review(
    author: CurrentUser, review: ValidReview, body: ReviewIn, session: SessionDep, cache: CacheDep
) -> ReviewOut:
    changed = await service.replace(
        session=session, cache=cache, review=review, data=body, author=author
    )
    return ReviewOut.of(changed)


@router.delete(
    "/{review_id}",
    status_code=204,
    responses=problem_responses(400, 401, 403, 404),
    summary="Remove your review (admins: any review)",
)
async def delete_review(
    actor: CurrentUser, review: ValidReview, session: SessionDep, cache: CacheDep
) -> Response:
    await service.delete(session=session, cache=cache, review=review, actor=actor)
    return Response(status_code=204)
