"""HTTP routes of the books: the cached list, one book, a new book."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.datastructures import URL

from reviews.books import service
from reviews.books.dependencies import BookPagesDep, PageStoreDep, ValidBook
from reviews.books.schemas import BookCreate, BookOut
from switchkit.caching import CACHE_HEADER, CacheStatus, cache_header_response
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.pagination import Page, PageDep, page_headers
from switchkit.problems import problem_responses
from switchkit.responses import created

__all__ = ["router"]

router = APIRouter(prefix="/books", tags=["books"])


@router.get(
    "",
    response_model=list[BookOut],
    responses={
        **cache_header_response(
            "HIT, MISS (read from Postgres, now cached) or BYPASS (cache off or Redis unavailable)"
        ),
        **problem_responses(400, 401),
    },
    summary="List books with their average rating, a page at a time",
)
async def list_books(
    _: CurrentUser, page: PageDep, pages: BookPagesDep, request: Request
) -> Response:
    """Read through a Redis cache; a write that changes a page makes it fresh at once."""
    # The page comes as the bytes BookOut rendered when it was loaded: sent as they are.
    listed, status = await service.list_page(database=pages.database, pages=pages.store, page=page)
    headers = _list_headers(str(request.url), page, listed.total, status)
    return Response(listed.body, media_type="application/json", headers=headers)


@lru_cache(maxsize=1024)
def _list_headers(url: str, page: Page, total: int, status: CacheStatus) -> dict[str, str]:
    # The same query answered from the same page has the same headers: made once, not per hit.
    return {**page_headers(url=URL(url), page=page, total=total), CACHE_HEADER: status.value}


@router.get(
    "/{book_id}",
    response_model=BookOut,
    responses=problem_responses(400, 401, 404),
    summary="One book",
)
async def get_book(_: CurrentUser, book: ValidBook) -> BookOut:
    return BookOut.model_validate(book)


@router.post(
    "",
    status_code=201,
    response_model=BookOut,
    responses=problem_responses(400, 401, 409),
    summary="Add a book",
)
async def create_book(
    actor: CurrentUser,
    body: BookCreate,
    session: SessionDep,
    pages: PageStoreDep,
    request: Request,
) -> Response:
    """Any signed-in user. A valid ISBN (checksum verified) is unique: 409 names the book."""
    book = await service.create(session=session, pages=pages, data=body, actor=actor)
    return created(
        BookOut.model_validate(book), location=request.url_for("get_book", book_id=book.id)
    )
