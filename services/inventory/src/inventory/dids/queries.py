"""What `GET /dids` may be asked for: the fields a list query filters and sorts by.

Named as the contract names them (`monthyPrice`, with `monthlyPrice` accepted too); the
parameters themselves are json-server's and ours, read by `switchkit.listing`.
"""

from __future__ import annotations

from inventory.dids.models import Did
from inventory.dids.money import CURRENCIES, parse_currency, parse_price
from inventory.dids.numbers import digits_to_find, parse_number
from switchkit.listing import ListField, Listing, whole_number

__all__ = ["DIDS"]

_PRICE = {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})?$", "examples": ["0.50"]}

DIDS = Listing(
    fields={
        "id": ListField(Did.id, parse=whole_number, ordered=True, schema={"type": "integer"}),
        "value": ListField(
            Did.e164,
            parse=parse_number,
            # The digits a number contains, however the search writes them (E.164 is digits).
            like_text=digits_to_find,
            like_column=Did.e164,
            max_length=32,
            schema={"type": "string", "examples": ["+55 84 91234-4321"]},
        ),
        "monthyPrice": ListField(Did.monthly_price, parse=parse_price, ordered=True, schema=_PRICE),
        "setupPrice": ListField(Did.setup_price, parse=parse_price, ordered=True, schema=_PRICE),
        "currency": ListField(
            Did.currency, parse=parse_currency, schema={"type": "string", "enum": list(CURRENCIES)}
        ),
    },
    aliases={"monthlyPrice": "monthyPrice"},
    search="value",
    sort_example="-monthyPrice,value",
)
