"""Route dependencies of the books domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from reviews.books import service
from reviews.books.cache import PageCache
from reviews.books.models import Book
from switchkit.db import SessionDep

__all__ = ["BookId", "CacheDep", "ValidBook"]

BookId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The book's id")]


def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache


async def valid_book(book_id: BookId, session: SessionDep) -> Book:
    return await service.get(session=session, book_id=book_id)


CacheDep = Annotated[PageCache, Depends(page_cache)]
ValidBook = Annotated[Book, Depends(valid_book)]
