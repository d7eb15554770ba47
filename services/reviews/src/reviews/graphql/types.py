"""The GraphQL object types, built from the same rows and JSON as the REST answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from reviews.book_reviews.schemas import ReviewOut
from reviews.books.schemas import BookOut

__all__ = ["Author", "Book", "Review"]


@strawberry.type
class Author:
    id: strawberry.ID
    username: str


@strawberry.type(description="A rating from 1 to 5 and optional text, by one user, of one book")
class Review:
    id: strawberry.ID
    book_id: strawberry.ID
    rating: int
    text: str | None
    author: Author
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_json(cls, review: dict[str, Any]) -> Review:
        out = ReviewOut.model_validate(review)
        return cls(
            id=strawberry.ID(str(out.id)),
            book_id=strawberry.ID(str(out.book_id)),
            rating=out.rating,
            text=out.text,
            author=Author(id=strawberry.ID(str(out.author.id)), username=out.author.username),
            created_at=out.created_at,
            updated_at=out.updated_at,
        )

    @classmethod
    def from_row(cls, row: Any) -> Review:
        return cls.from_json(ReviewOut.of(row).model_dump(by_alias=True))


@strawberry.type
class Book:
    id: strawberry.ID
    title: str
    author: str
    isbn: str | None
    published_year: int | None
    description: str | None
    average_rating: float | None
    review_count: int
    created_at: datetime

    @classmethod
    def of(cls, out: BookOut) -> Book:
        return cls(
            id=strawberry.ID(str(out.id)),
            title=out.title,
            author=out.author,
            isbn=out.isbn,
            published_year=out.published_year,
            description=out.description,
            average_rating=out.average_rating,
            review_count=out.review_count,
            created_at=out.created_at,
        )
