"""Request and response bodies of the reviews routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

__all__ = ["Author", "ReviewIn", "ReviewOut"]

ReviewText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class ReviewIn(BaseModel):
    """A rating from 1 to 5 and optional text; the author is whoever's token it is."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    rating: int = Field(ge=1, le=5, strict=True, examples=[5])
    text: ReviewText | None = Field(None, examples=["A winter that stays with you."])


class Author(BaseModel):
    id: uuid.UUID
    username: str


class ReviewOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: int
    book_id: int
    rating: int
    text: str | None
    author: Author
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, review: Any) -> ReviewOut:
        return cls(
            id=review.id,
            book_id=review.book_id,
            rating=review.rating,
            text=review.text,
            author=Author(id=review.user_id, username=review.username),
            created_at=review.created_at,
            updated_at=review.updated_at,
        )
