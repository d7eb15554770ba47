"""Route dependencies of the books domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from reviews.books import service
from reviews.books.cache import PageCache
from reviews.books.models import Book
from switchkit.db import Database, SessionDep

__all__ = ["BookId", "CacheDep", "StreamableBookId", "ValidBook"]

BookId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The book's id")]


def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache


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


CacheDep = Annotated[PageCache, Depends(page_cache)]
StreamableBookId = Annotated[int, Depends(streamable_book)]
ValidBook = Annotated[Book, Depends(valid_book)]
