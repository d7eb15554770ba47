"""Phone numbers: parsed and validated by libphonenumber, stored E.164, shown international."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = ["digits_to_find", "international", "parse_number"]


def parse_number(text: str) -> str:
    """The E.164 form of a number written in any common way; ValueError says what is wrong."""
    if not text.strip().startswith("+"):
        raise ValueError("must start with + and the country code, e.g. +55 84 91234-4321")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65_536)
def international(e164: str) -> str:
    """How the contract shows a number, e.g. `+55 84 91234-4321`.

    Cached: formatting is most of a list page's cost, and a pure function cannot go stale.
    """
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digits_to_find(text: str) -> str:
    """The digits of a search in any format (`(91234) 43` looks for `9123443`)."""
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise ValueError("must contain digits to look for in the numbers")
    return digits
