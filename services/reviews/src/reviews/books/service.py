"""The books logic: listing pages (through the page store), reading one, adding one."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reviews.books.exceptions import BookNotFound, DuplicateIsbn
from reviews.books.models import Book
from reviews.books.schemas import BookCreate, BookList, BookOut
from switchkit.caching import CacheStatus
from switchkit.db import Database, add_unique, after_commit
from switchkit.identity import Identity
from switchkit.pages import CachedPage, PageStore
from switchkit.pagination import Page

__all__ = ["create", "get", "list_page"]

log = logging.getLogger("reviews.books")


async def list_page(
    *, database: Database, pages: PageStore, page: Page
) -> tuple[CachedPage, CacheStatus]:
    """A page of the books in id order, as sent; a session is opened only to load one."""

    async def load() -> CachedPage:
        async with database.sessions() as session:
            total = (await session.execute(select(func.count()).select_from(Book))).scalar_one()
            query = select(Book).order_by(Book.id).offset(page.offset).limit(page.size)
            books = [
                BookOut.model_validate(book) for book in (await session.execute(query)).scalars()
            ]
        return CachedPage(body=BookList.dump_json(books, by_alias=True), total=total)

    return await pages.read_through(f"books:{page.number}:{page.size}", load)


async def get(*, session: AsyncSession, book_id: int) -> Book:
    book = await session.get(Book, book_id)
    if book is None:
        raise BookNotFound(book_id)
    return book


async def create(
    *, session: AsyncSession, pages: PageStore, data: BookCreate, actor: Identity
) -> Book:
    """A valid ISBN is unique: the book that has it already is a conflict naming it."""
    book = Book(**data.model_dump(), review_count=0, rating_sum=0)
    isbn = data.isbn

    async def holder_of_the_isbn() -> Book | None:
        if isbn is None:
            return None
        return (await session.execute(select(Book).where(Book.isbn == isbn))).scalar()

    await add_unique(
        session,
        book,
        find_existing=holder_of_the_isbn,
        conflict=lambda existing: DuplicateIsbn(
            isbn=existing.isbn or "", existing_id=existing.id, title=existing.title
        ),
    )
    await session.refresh(book)
    after_commit(session, pages.invalidate)
    log.info("book added", extra={"book_id": book.id, "actor": str(actor.user_id)})
    return book
