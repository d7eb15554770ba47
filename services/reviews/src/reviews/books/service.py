"""The books logic: listing pages (through the cache), reading one, adding one."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reviews.books.cache import PageCache
from reviews.books.exceptions import BookNotFound, DuplicateIsbn
from reviews.books.models import Book
from reviews.books.schemas import BookCreate, BookOut
from switchkit.caching import CacheStatus
from switchkit.db import after_commit
from switchkit.identity import Identity
from switchkit.pagination import Page

__all__ = ["BookPage", "create", "get", "list_page"]

log = logging.getLogger("reviews.books")


class BookPage:
    """A rendered page of the list: the JSON body and the total, as the cache keeps them."""

    def __init__(self, *, body: bytes, total: int) -> None:
        self.body = body
        self.total = total

    def encode(self) -> bytes:
        return f"{self.total}\n".encode() + self.body

    @classmethod
    def decode(cls, data: bytes) -> BookPage:
        total, _, body = data.partition(b"\n")
        return cls(body=body, total=int(total))


async def list_page(
    *, session: AsyncSession, cache: PageCache, page: Page
) -> tuple[BookPage, CacheStatus]:
    async def load() -> bytes:
        total = (await session.execute(select(func.count()).select_from(Book))).scalar_one()
        query = select(Book).order_by(Book.id).offset(page.offset).limit(page.size)
        books = (await session.execute(query)).scalars()
        items = [BookOut.of(book).model_dump(mode="json", by_alias=True) for book in books]
        return BookPage(body=json.dumps(items).encode(), total=total).encode()

    data, status = await cache.read_through(f"books:{page.number}:{page.size}", load)
    return BookPage.decode(data), status


async def get(*, session: AsyncSession, book_id: int) -> Book:
    book = await session.get(Book, book_id)
    if book is None:
        raise BookNotFound(book_id)
    return book


async def create(
    *, session: AsyncSession, cache: PageCache, data: BookCreate, actor: Identity
) -> Book:
    if data.isbn is not None:
        await _refuse_duplicate_isbn(session, data.isbn)
    book = Book(**data.model_dump(), review_count=0, rating_sum=0)
    session.add(book)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        assert data.isbn is not None, "the ISBN is the only unique column"
        await _refuse_duplicate_isbn(session, data.isbn)
        raise exc from None
    await session.refresh(book)
    after_commit(session, cache.invalidate)
    log.info("book added", extra={"book_id": book.id, "actor": str(actor.user_id)})
    return book


async def _refuse_duplicate_isbn(session: AsyncSession, isbn: str) -> None:
    existing = (await session.execute(select(Book.id).where(Book.isbn == isbn))).scalar()
    if existing is not None:
        raise DuplicateIsbn(isbn=isbn, existing_id=existing)
