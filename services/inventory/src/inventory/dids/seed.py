"""About 800 realistic DIDs for a new local install, the same ones every time."""

from __future__ import annotations

import random
from decimal import Decimal

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.dids.models import Did

__all__ = ["SEED_SIZE", "seed", "seed_rows"]

# Region, currency, how many: a Brazilian carrier selling mostly at home, some abroad.
MARKETS = (
    ("BR", "R$", 180),
    ("BR", "U$", 70),
    ("US", "U$", 200),
    ("GB", "£", 80),
    ("DE", "€", 50),
    ("ES", "€", 40),
    ("PT", "€", 40),
    ("FR", "€", 30),
    ("MX", "MXN", 60),
    ("AR", "ARS", 50),
)
SEED_SIZE = sum(count for _, _, count in MARKETS)
KINDS = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)


def _numbers(rng: random.Random, region: str, count: int, taken: set[str]) -> list[str]:
    numbers: list[str] = []
    while len(numbers) < count:
        example = phonenumbers.example_number_for_type(region, rng.choice(KINDS))
        assert example is not None, region
        national = str(example.national_number)
        # Keep the area code and prefix of a real example; vary the subscriber digits.
        keep = max(2, len(national) - 5)
        candidate = national[:keep] + "".join(rng.choice("0123456789") for _ in national[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{candidate}", None)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 not in taken:
            taken.add(e164)
            numbers.append(e164)
    return numbers


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def seed_rows() -> list[dict[str, object]]:
    rng = random.Random(20261121)  # noqa: S311 (sample data, not secrets)
    taken: set[str] = set()
    rows = []
    for region, currency, count in MARKETS:
        for e164 in _numbers(rng, region, count, taken):
            rows.append(
                {
                    "e164": e164,
                    "monthly_price": _price(rng, 1, 500),
                    "setup_price": _price(rng, 0, 4999) if rng.random() > 0.2 else Decimal("0.00"),
                    "currency": currency,
                    "version": 1,
                }
            )
    return rows


async def seed(*, session: AsyncSession, only_if_empty: bool) -> int:
    """Inserts the sample DIDs that are missing; returns how many it added."""
    if (
        only_if_empty
        and (await session.execute(select(func.count()).select_from(Did))).scalar_one()
    ):
        return 0
    statement = insert(Did).values(seed_rows()).on_conflict_do_nothing(index_elements=["e164"])
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
