"""Prices: exact decimals, never floats, never rounded behind the caller's back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["CURRENCIES", "MAX_PRICE", "parse_currency", "parse_price"]

MAX_PRICE = Decimal("999999.99")
CENT = Decimal("0.01")

CURRENCIES = ("U$", "R$", "€", "£", "USD", "BRL", "EUR", "GBP", "MXN", "ARS")
"""The currencies a price may be in: the symbols the frontend shows (`U$` is the US dollar as
written in Brazil) and their ISO 4217 codes."""


def parse_price(value: object) -> Decimal:
    """A price from a JSON string or number; ValueError says what is wrong with it."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('must be a decimal number such as "3.40"')
    # A JSON number arrives as a float; its shortest repr is exactly what the client wrote.
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        price = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError('must be a decimal number such as "3.40"') from exc
    if not price.is_finite():
        raise ValueError("must be a finite number")
    if price < 0:
        raise ValueError("must be >= 0")
    if price > MAX_PRICE:
        raise ValueError(f"must be at most {MAX_PRICE}")
    if price != price.quantize(CENT):
        raise ValueError("must have at most 2 decimal places")
    return price.quantize(CENT)


def parse_currency(text: str) -> str:
    """One of `CURRENCIES`, as written; ValueError lists them."""
    if text not in CURRENCIES:
        raise ValueError(f"must be one of {', '.join(CURRENCIES)}")
    return text
