"""The DID bodies, named as agreed with the frontend (`monthyPrice`, typo included)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    field_validator,
    model_validator,
)

from inventory.dids.money import CURRENCIES, parse_price
from inventory.dids.numbers import international, parse_number

__all__ = ["DidCreate", "DidOut", "DidPatch", "render_page"]

Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
_TWO_DECIMALS = PlainSerializer(lambda price: f"{price:.2f}", return_type=str, when_used="json")
Price = Annotated[Decimal, BeforeValidator(parse_price), _TWO_DECIMALS]
PriceOut = Annotated[Decimal, _TWO_DECIMALS]
PHONE_EXAMPLE = "+55 84 91234-4321"


def _monthly(**field: Any) -> Any:
    # The contract's name is `monthyPrice`; many frontends write `monthlyPrice`: take both.
    return Field(
        validation_alias=AliasChoices("monthyPrice", "monthlyPrice"),
        serialization_alias="monthyPrice",
        examples=["0.03"],
        **field,
    )


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _one_spelling_of_monthly_price(cls, data: Any) -> Any:
        if isinstance(data, dict) and "monthyPrice" in data and "monthlyPrice" in data:
            raise ValueError("give monthyPrice or monthlyPrice, not both")
        return data

    @field_validator("value", check_fields=False)
    @classmethod
    def _valid_number(cls, value: str | None) -> str | None:
        return None if value is None else parse_number(value)


class DidCreate(_Write):
    """A number for sale; `value` in any common format, stored canonical."""

    value: str = Field(examples=[PHONE_EXAMPLE], max_length=64)
    monthy_price: Price = _monthly()
    setup_price: Price = Field(alias="setupPrice", examples=["3.40"])
    currency: Currency = Field(examples=["U$"])


class DidPatch(_Write):
    """Any subset of the fields, at least one."""

    value: str | None = Field(None, examples=[PHONE_EXAMPLE], max_length=64)
    monthy_price: Price | None = _monthly(default=None)
    setup_price: Price | None = Field(None, alias="setupPrice", examples=["3.40"])
    currency: Currency | None = Field(None, examples=["U$"])

    @model_validator(mode="after")
    def _something_to_change(self) -> DidPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of value, monthyPrice, setupPrice, currency")
        return self


# A DID as answered, read from a `Did` or a row of its columns (`from_attributes`); no
# docstring, which would become the contract's description of the schema.
class DidOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": 42,
                "value": PHONE_EXAMPLE,
                "monthyPrice": "0.03",
                "setupPrice": "3.40",
                "currency": "U$",
            }
        },
    )

    id: int
    value: Annotated[str, BeforeValidator(international)] = Field(validation_alias="e164")
    monthy_price: PriceOut = Field(
        validation_alias="monthly_price", serialization_alias="monthyPrice"
    )
    setup_price: PriceOut = Field(validation_alias="setup_price", serialization_alias="setupPrice")
    currency: str


_PAGE = TypeAdapter(list[DidOut])


def render_page(rows: Iterable[Any]) -> bytes:
    """A list page's JSON array, each row through `DidOut` (compact, UTF-8)."""
    return _PAGE.dump_json(_PAGE.validate_python(rows, from_attributes=True), by_alias=True)
