"""Every bad input is a 400 problem naming the field, and nothing is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import VALID

PROBLEM = "application/problem+json"
Count = Callable[[], Awaitable[int]]


async def _refused(
    api: httpx.AsyncClient, headers: dict[str, str], count_dids: Count, **request: Any
) -> dict[str, Any]:
    response = await api.post("/dids", headers=headers, **request)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert await count_dids() == 0
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-0.03", "must be >= 0"),
        (-1, "must be >= 0"),
        ("0.031", "must have at most 2 decimal places"),
        (0.001, "must have at most 2 decimal places"),
        ("abc", 'must be a decimal number such as "3.40"'),
        ("", 'must be a decimal number such as "3.40"'),
        (True, 'must be a decimal number such as "3.40"'),
        (None, 'must be a decimal number such as "3.40"'),
        ({"amount": 1}, 'must be a decimal number such as "3.40"'),
        ("NaN", "must be a finite number"),
        ("Infinity", "must be a finite number"),
        ("1000000", "must be at most 999999.99"),
        ("1e400", "must be at most 999999.99"),
    ],
)
@pytest.mark.parametrize("field", ["monthyPrice", "setupPrice"])
async def test_a_bad_price_is_a_400_naming_the_field(
    api: httpx.AsyncClient,
    supervisor: dict[str, str],
    count_dids: Count,
    *,
    field: str,
    price: Any,
    message: str,
) -> None:
    body = await _refused(api, supervisor, count_dids, json={**VALID, field: price})
    assert body["errors"] == [{"field": field, "message": message}]


async def test_a_bad_monthly_price_alias_is_named_as_sent(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    data = {k: v for k, v in VALID.items() if k != "monthyPrice"} | {"monthlyPrice": "-1"}
    body = await _refused(api, supervisor, count_dids, json=data)
    assert body["errors"][0]["message"] == "must be >= 0"


async def test_both_spellings_of_the_monthly_price_are_refused(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    body = await _refused(api, supervisor, count_dids, json={**VALID, "monthlyPrice": "0.03"})
    assert "not both" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("84 91234-4321", "must start with + and the country code, e.g. +55 84 91234-4321"),
        ("+55 00 0000-0000", "is not a valid phone number for its country"),
        ("+1 555", "is not a valid phone number for its country"),
        ("+not a number", "is not a phone number"),
        ("", "must start with + and the country code, e.g. +55 84 91234-4321"),
    ],
)
async def test_a_bad_number_is_a_400_naming_value(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count, value: str, message: str
) -> None:
    body = await _refused(api, supervisor, count_dids, json={**VALID, "value": value})
    assert body["errors"] == [{"field": "value", "message": message}]


async def test_an_unknown_currency_is_a_400_listing_the_accepted_ones(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    body = await _refused(api, supervisor, count_dids, json={**VALID, "currency": "XYZ"})
    [error] = body["errors"]
    assert error["field"] == "currency"
    for accepted in ("U$", "R$", "€", "USD", "BRL", "EUR"):
        assert accepted in error["message"]


@pytest.mark.parametrize("missing", ["value", "monthyPrice", "setupPrice", "currency"])
async def test_a_missing_field_is_a_400_naming_it(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count, missing: str
) -> None:
    data = {k: v for k, v in VALID.items() if k != missing}
    body = await _refused(api, supervisor, count_dids, json=data)
    assert [e["field"] for e in body["errors"]] == [missing]


async def test_unknown_fields_are_a_400_naming_them(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    body = await _refused(api, supervisor, count_dids, json={**VALID, "id": 7, "discount": "1.00"})
    assert sorted(e["field"] for e in body["errors"]) == ["discount", "id"]


async def _post_raw(
    api: httpx.AsyncClient, headers: dict[str, str], content: bytes, content_type: str
) -> httpx.Response:
    return await api.post(
        "/dids", content=content, headers={**headers, "Content-Type": content_type}
    )


async def test_an_empty_body_is_a_400(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    response = await _post_raw(api, supervisor, b"", "application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "is required"}]
    assert await count_dids() == 0


async def test_a_body_that_is_not_json_is_a_400(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    response = await _post_raw(api, supervisor, b"value=+5584912344321", "application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "is not valid JSON"}]
    assert await count_dids() == 0


@pytest.mark.parametrize("content", [b"[]", b"42", b'"did"', b"null"])
async def test_a_json_body_that_is_not_an_object_is_a_400(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count, content: bytes
) -> None:
    response = await _post_raw(api, supervisor, content, "application/json")
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert await count_dids() == 0


async def test_a_wrong_content_type_is_a_400_naming_it(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    response = await _post_raw(
        api, supervisor, b'{"value": "+5584912344321"}', "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "body",
            "message": "must be application/json, not application/x-www-form-urlencoded",
        }
    ]
    assert await count_dids() == 0


async def test_an_oversized_body_is_a_400(
    api: httpx.AsyncClient, supervisor: dict[str, str], count_dids: Count
) -> None:
    huge = b'{"value": "' + b"9" * 70_000 + b'"}'
    response = await _post_raw(api, supervisor, huge, "application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "body", "message": "must be at most 65536 bytes"}
    ]
    assert await count_dids() == 0


async def test_bad_input_to_put_and_patch_changes_nothing(
    api: httpx.AsyncClient, supervisor: dict[str, str], user: dict[str, str]
) -> None:
    created = (await api.post("/dids", json=VALID, headers=supervisor)).json()
    url = f"/dids/{created['id']}"
    put = await api.put(url, json={**VALID, "setupPrice": "-1"}, headers=supervisor)
    patch = await api.patch(url, json={"monthyPrice": "0.001"}, headers=supervisor)
    patch_unknown = await api.patch(url, json={"colour": "red"}, headers=supervisor)
    assert (put.status_code, patch.status_code, patch_unknown.status_code) == (400, 400, 400)
    assert (await api.get(url, headers=user)).json() == created


@pytest.mark.parametrize("did_id", ["abc", "1.5", "0", "-3", "99999999999999999999"])
async def test_a_malformed_id_is_a_400(
    api: httpx.AsyncClient, user: dict[str, str], did_id: str
) -> None:
    response = await api.get(f"/dids/{did_id}", headers=user)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["did_id"]
