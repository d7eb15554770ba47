"""Route dependencies of the books domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from reviews.books import service
from reviews.books.models import Book
from switchkit.db import Database, SessionDep
from switchkit.pages import PageStore

__all__ = ["BookId", "BookPages", "BookPagesDep", "PageStoreDep", "StreamableBookId", "ValidBook"]

BookId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The book's id")]


# async: a plain def would be run in the thread pool, a costly hop for no blocking work.
async def page_store(request: Request) -> PageStore:
    """Where the book list's pages are kept (Redis, built once at start-up)."""
    store: PageStore = request.app.state.page_store
    return store


@dataclass(frozen=True, slots=True)
class BookPages:
    """The list's page store and the database a missing page is loaded from.

    One dependency for the two: each dependency costs FastAPI about as much per request as
    reading a cached page (measured), and the list's hits are the hot path.
    """

    store: PageStore
    database: Database


async def book_pages(request: Request) -> BookPages:
    state = request.app.state
    return BookPages(store=state.page_store, database=state.database)


async def valid_book(book_id: BookId, session: SessionDep) -> Book:
    return await service.get(session=session, book_id=book_id)


async def streamable_book(book_id: BookId, request: Request) -> int:
    """The id of a book that exists, checked on a session of its own.

    For streams: a 404 must come before the response starts, and a stream that lasts hours
    must not hold a request-scoped database session while it waits.
    """
    database: Database = request.app.state.database
    async with database.sessions() as session:
        await service.get(session=session, book_id=book_id)
    return book_id


BookPagesDep = Annotated[BookPages, Depends(book_pages)]
PageStoreDep = Annotated[PageStore, Depends(page_store)]
StreamableBookId = Annotated[int, Depends(streamable_book)]
ValidBook = Annotated[Book, Depends(valid_book)]
