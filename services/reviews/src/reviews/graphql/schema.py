"""The GraphQL schema: the same rules as REST, because it calls the same services."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.types import Info

from reviews.book_reviews import service as reviews
from reviews.book_reviews.schemas import ReviewIn
from reviews.books import service as books
from reviews.books.models import Book as BookRow
from reviews.books.schemas import BookList, BookOut
from reviews.graphql.context import Context
from reviews.graphql.types import Book, Review
from switchkit.db import unit_of_work
from switchkit.pagination import Page
from switchkit.problems import KitError
from switchkit.realtime import StreamEnded

__all__ = ["schema"]

T = TypeVar("T")
MAX_PAGE = 100


async def _answer(call: Callable[[], Awaitable[T]]) -> T:
    """Domain errors become GraphQL errors that carry the same code and status as REST's."""
    try:
        return await call()
    except KitError as exc:
        raise GraphQLError(
            exc.detail, extensions={"code": exc.slug, "status": exc.status, **exc.extensions()}
        ) from exc
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        raise GraphQLError(
            "Invalid input", extensions={"code": "validation", "status": 400, "errors": errors}
        ) from exc


def _id(value: strawberry.ID, name: str) -> int:
    if not str(value).isdigit() or not 1 <= int(value) < 2**63:
        raise GraphQLError(
            f"{name} must be a positive integer id",
            extensions={"code": "validation", "status": 400},
        )
    return int(value)


@strawberry.type
class Query:
    @strawberry.field(description="Books in id order, a page at a time (read through the cache)")
    async def books(
        self, info: Info[Context, None], page: int = 1, per_page: int = 20
    ) -> list[Book]:
        if page < 1 or not 1 <= per_page <= MAX_PAGE:
            raise GraphQLError(
                f"page must be >= 1 and perPage 1..{MAX_PAGE}",
                extensions={"code": "validation", "status": 400},
            )
        ctx = info.context

        async def load() -> list[Book]:
            listed, _ = await books.list_page(
                database=ctx.database, pages=ctx.pages, page=Page(number=page, size=per_page)
            )
            return [Book.of(book) for book in BookList.validate_json(listed.body)]

        return await _answer(load)

    @strawberry.field(description="One book, or null")
    async def book(self, info: Info[Context, None], id: strawberry.ID) -> Book | None:
        book_id = _id(id, "id")
        async with info.context.database.sessions() as session:
            row = await session.get(BookRow, book_id)
            return Book.of(BookOut.model_validate(row)) if row else None

    @strawberry.field(description="A book's reviews, newest first, older than `before`")
    async def reviews(
        self,
        info: Info[Context, None],
        book_id: strawberry.ID,
        before: strawberry.ID | None = None,
        limit: int = 20,
    ) -> list[Review]:
        if not 1 <= limit <= MAX_PAGE:
            raise GraphQLError(
                f"limit must be 1..{MAX_PAGE}", extensions={"code": "validation", "status": 400}
            )
        book = _id(book_id, "bookId")
        cursor = _id(before, "before") if before is not None else None

        async def load() -> list[Review]:
            async with info.context.database.sessions() as session:
                await books.get(session=session, book_id=book)
                rows, _ = await reviews.list_newest_first(
                    session=session, book_id=book, before=cursor, limit=limit
                )
            return [Review.from_row(row) for row in rows]

        return await _answer(load)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Review a book, once per user; the author is the caller")
    async def add_review(
        self,
        info: Info[Context, None],
        book_id: strawberry.ID,
        rating: int,
        text: str | None = None,
    ) -> Review:
        ctx = info.context
        book = _id(book_id, "bookId")

        async def add() -> Review:
            data = ReviewIn(rating=rating, text=text)
            async with ctx.database.sessions() as session, unit_of_work(session):
                await books.get(session=session, book_id=book)
                row = await reviews.create(
                    session=session,
                    pages=ctx.pages,
                    feed=ctx.feed,
                    book_id=book,
                    data=data,
                    author=ctx.identity,
                )
                return Review.from_row(row)

        return await _answer(add)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New reviews of a book as they are posted, through any replica. Ends when "
        "the token expires or the user signs out."
    )
    async def review_added(
        self, info: Info[Context, None], book_id: strawberry.ID
    ) -> AsyncGenerator[Review, None]:
        ctx = info.context
        book = _id(book_id, "bookId")

        async def exists() -> None:
            async with ctx.database.sessions() as session:
                await books.get(session=session, book_id=book)

        await _answer(exists)
        async with ctx.feed.listen(book_id=book, caller=ctx.identity) as listener:
            try:
                async for review in listener:
                    yield Review.from_json(review)
            except StreamEnded as ended:
                raise GraphQLError(
                    f"Subscription ended: {ended.reason}",
                    extensions={"code": "stream-ended", "reason": ended.reason},
                ) from ended


schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)
