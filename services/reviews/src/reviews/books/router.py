"""HTTP routes of the books: the cached list, one book, a new book."""

# No `from __future__ import annotations`: FastAPI must see `PageDep`, built inside
# `build_router`, as an object rather than a name it cannot resolve later.

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reviews.books import service
from reviews.books.dependencies import CacheDep, ValidBook
from reviews.books.schemas import BookCreate, BookOut
from switchkit.caching import CACHE_HEADER, cache_header_response
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.pagination import PageDep, page_headers
from switchkit.problems import problem_responses

__all__ = ["build_router"]


def build_router(*, default_page_size: int, max_page_size: int) -> APIRouter:
    router = APIRouter(prefix="/books", tags=["books"])

    @router.get(
        "",
        response_model=list[BookOut],
        responses={
            **cache_header_response(
                "HIT, MISS (read from Postgres, now cached) or BYPASS "
                "(cache off or Redis unavailable)"
            ),
            **problem_responses(400, 401),
        },
        summary="List books with their average rating, a page at a time",
    )
    async def list_books(
        _: CurrentUser, page: PageDep, session: SessionDep, cache: CacheDep, request: Request
    ) -> Response:
        """Read through a Redis cache; a write that changes a page makes it fresh at once."""
        rendered, status = await service.list_page(session=session, cache=cache, page=page)
        headers = page_headers(url=request.url, page=page, total=rendered.total)
        headers[CACHE_HEADER] = status.value
        return Response(rendered.body, media_type="application/json", headers=headers)

    @router.get(
        "/{book_id}",
        response_model=BookOut,
        responses=problem_responses(400, 401, 404),
        summary="One book",
    )
    async def get_book(_: CurrentUser, book: ValidBook) -> BookOut:
        return BookOut.of(book)

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
        cache: CacheDep,
        request: Request,
    ) -> JSONResponse:
        """Any signed-in user. A valid ISBN (checksum verified) is unique: 409 names the book."""
        book = await service.create(session=session, cache=cache, data=body, actor=actor)
        content = BookOut.of(book).model_dump(mode="json", by_alias=True)
        location = str(request.url_for("get_book", book_id=book.id))
        return JSONResponse(content, status_code=201, headers={"Location": location})

    return router
