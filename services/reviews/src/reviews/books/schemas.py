"""Request and response bodies of the books routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator
from pydantic.alias_generators import to_camel
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumError

__all__ = ["BookCreate", "BookList", "BookOut"]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Author = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
EARLIEST_YEAR = -3000


class BookCreate(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    title: Title = Field(examples=["The Left Hand of Darkness"])
    author: Author = Field(examples=["Ursula K. Le Guin"])
    isbn: str | None = Field(
        None,
        max_length=32,
        examples=["978-0-441-47812-5"],
        description="ISBN-10 or ISBN-13, hyphens optional; stored and answered as ISBN-13",
    )
    published_year: int | None = Field(None, examples=[1969])
    description: Description | None = None

    @field_validator("isbn")
    @classmethod
    def _valid_isbn(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(stdnum_isbn.to_isbn13(stdnum_isbn.validate(value)))
        except StdnumError as exc:
            raise ValueError(f"is not a valid ISBN-10 or ISBN-13 ({str(exc).lower()})") from exc

    @field_validator("published_year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        latest = datetime.now(UTC).year + 1
        if value is not None and not EARLIEST_YEAR <= value <= latest:
            raise ValueError(f"must be between {EARLIEST_YEAR} and {latest}")
        return value


# A book as every answer shows it, read from its row: `BookOut.model_validate(book)`. (No
# docstring: it would become the schema's description in the committed contract.)
class BookOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    id: int
    title: str
    author: str
    isbn: str | None
    published_year: int | None
    description: str | None
    average_rating: float | None = Field(
        description="Mean of the ratings, 2 decimals; null if none"
    )
    review_count: int
    created_at: datetime


BookList: TypeAdapter[list[BookOut]] = TypeAdapter(list[BookOut])
"""A page of the list, rendered once per cache miss (`BookList.dump_json(..., by_alias=True)`)."""
