"""HTTP routes of a book's reviews."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from reviews.book_reviews import service
from reviews.book_reviews.dependencies import FeedDep, ValidReview
from reviews.book_reviews.schemas import ReviewIn, ReviewOut
from reviews.books.dependencies import PageStoreDep, StreamableBookId, ValidBook
from switchkit.db import Database, SessionDep
from switchkit.identity import CurrentUser
from switchkit.problems import problem_responses
from switchkit.realtime import ResumeAfter, StreamEnded, end_event, json_event
from switchkit.responses import created

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
    response: Response,
    before: Annotated[
        int | None, Query(ge=1, description="Only reviews older than this review id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 20,
) -> list[ReviewOut]:
    """Cursor pages: while older reviews remain, `Link: <...?before=ID>; rel="next"`."""
    reviews, more = await service.list_newest_first(
        session=session, book_id=book.id, before=before, limit=limit
    )
    if more:
        older = request.url.include_query_params(before=reviews[-1].id, limit=limit)
        response.headers["Link"] = f'<{older}>; rel="next"'
    return [ReviewOut.of(review) for review in reviews]


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
    pages: PageStoreDep,
    feed: FeedDep,
    request: Request,
) -> Response:
    review = await service.create(
        session=session, pages=pages, feed=feed, book_id=book.id, data=body, author=author
    )
    location = request.url_for("get_review", book_id=book.id, review_id=review.id)
    return created(ReviewOut.of(review), location=location)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`review-added` events (id = review id), then `end` with a reason"},
        **problem_responses(400, 401, 404),
    },
    summary="New reviews of a book, live (Server-Sent Events)",
)
async def stream_reviews(
    identity: CurrentUser,
    book_id: StreamableBookId,
    feed: FeedDep,
    request: Request,
    after: ResumeAfter,
) -> AsyncIterator[ServerSentEvent]:
    """Reviews missed since `Last-Event-ID` (or `after`) come first, from Postgres, then new
    ones as they are posted through any replica. The stream ends with an `end` event when the
    token expires, the user signs out, or the client falls too far behind."""
    database: Database = request.app.state.database
    async with feed.listen(book_id=book_id, caller=identity) as listener:
        # Listening before reading the backlog: a review committed in between is in one or
        # the other (or both: then the id check below drops the repeat).
        async with database.sessions() as session:
            backlog = (
                await service.list_after(session=session, book_id=book_id, after=after)
                if after is not None
                else []
            )
        last_sent = after or 0
        for review in backlog:
            last_sent = review.id
            yield _event(ReviewOut.of(review).model_dump(mode="json", by_alias=True))
        try:
            async for live in listener:
                if live["id"] > last_sent:
                    last_sent = live["id"]
                    yield _event(live)
        except StreamEnded as ended:
            yield end_event(ended)


def _event(review: dict[str, Any]) -> ServerSentEvent:
    return json_event(event="review-added", id=str(review["id"]), data=review)


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
    author: CurrentUser,
    review: ValidReview,
    body: ReviewIn,
    session: SessionDep,
    pages: PageStoreDep,
) -> ReviewOut:
    changed = await service.replace(
        session=session, pages=pages, review=review, data=body, author=author
    )
    return ReviewOut.of(changed)


@router.delete(
    "/{review_id}",
    status_code=204,
    responses=problem_responses(400, 401, 403, 404),
    summary="Remove your review (admins: any review)",
)
async def delete_review(
    actor: CurrentUser, review: ValidReview, session: SessionDep, pages: PageStoreDep
) -> None:
    await service.delete(session=session, pages=pages, review=review, actor=actor)
