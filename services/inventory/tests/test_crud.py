"""The DID entity through its life: create, read, replace, patch, delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx

from inventory.dids.schemas import render_page
from tests.conftest import VALID

Create = Callable[..., Awaitable[dict[str, Any]]]


async def test_create_answers_201_with_location_etag_and_the_entity(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> None:
    response = await api.post("/dids", json=VALID, headers=supervisor)
    assert response.status_code == 201
    body = response.json()
    assert body == {**VALID, "id": body["id"]}
    assert response.headers["location"] == f"http://testserver/dids/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}-1"'


async def test_the_number_is_stored_canonical_and_shown_international(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> None:
    response = await api.post(
        "/dids", json={**VALID, "value": "+55 (84) 9 1234 4321"}, headers=supervisor
    )
    assert response.json()["value"] == "+55 84 91234-4321"


async def test_monthly_price_is_accepted_as_an_alias_and_answered_as_monthy(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> None:
    body = {k: v for k, v in VALID.items() if k != "monthyPrice"} | {"monthlyPrice": "1.50"}
    response = await api.post("/dids", json=body, headers=supervisor)
    assert response.status_code == 201
    assert response.json()["monthyPrice"] == "1.50"
    assert "monthlyPrice" not in response.json()


async def test_prices_as_json_numbers_are_exact(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> None:
    response = await api.post(
        "/dids", json={**VALID, "monthyPrice": 0.1, "setupPrice": 3}, headers=supervisor
    )
    assert response.status_code == 201
    assert (response.json()["monthyPrice"], response.json()["setupPrice"]) == ("0.10", "3.00")


async def test_get_answers_the_entity_and_its_etag(
    api: httpx.AsyncClient, create: Create, user: dict[str, str]
) -> None:
    did = await create()
    response = await api.get(f"/dids/{did['id']}", headers=user)
    assert response.status_code == 200
    assert response.json() == did
    assert response.headers["etag"] == f'"{did["id"]}-1"'


async def test_get_with_the_current_etag_is_a_304(
    api: httpx.AsyncClient, create: Create, user: dict[str, str]
) -> None:
    did = await create()
    etag = (await api.get(f"/dids/{did['id']}", headers=user)).headers["etag"]
    response = await api.get(f"/dids/{did['id']}", headers={**user, "If-None-Match": etag})
    assert response.status_code == 304


async def test_an_unknown_did_is_a_404_problem(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.get("/dids/999999", headers=user)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No DID with id 999999."


async def test_put_replaces_every_field(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str]
) -> None:
    did = await create()
    new = {"value": "+1 650-253-0000", "monthyPrice": "1.00", "setupPrice": "0", "currency": "USD"}
    response = await api.put(f"/dids/{did['id']}", json=new, headers=supervisor)
    assert response.status_code == 200
    assert response.json() == {
        "id": did["id"],
        "value": "+1 650-253-0000",
        "monthyPrice": "1.00",
        "setupPrice": "0.00",
        "currency": "USD",
    }
    assert response.headers["etag"] == f'"{did["id"]}-2"'


async def test_put_needs_every_field(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str]
) -> None:
    did = await create()
    response = await api.put(f"/dids/{did['id']}", json={"monthyPrice": "1.00"}, headers=supervisor)
    assert response.status_code == 400
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "currency",
        "setupPrice",
        "value",
    ]


async def test_patch_changes_only_what_it_names(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str], user: dict[str, str]
) -> None:
    did = await create()
    response = await api.patch(
        f"/dids/{did['id']}", json={"setupPrice": "9.99"}, headers=supervisor
    )
    assert response.status_code == 200
    assert response.json() == {**did, "setupPrice": "9.99"}
    assert (await api.get(f"/dids/{did['id']}", headers=user)).json() == {
        **did,
        "setupPrice": "9.99",
    }


async def test_an_empty_patch_is_a_400(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str]
) -> None:
    did = await create()
    response = await api.patch(f"/dids/{did['id']}", json={}, headers=supervisor)
    assert response.status_code == 400


async def test_writes_to_an_unknown_did_are_404s(
    api: httpx.AsyncClient, supervisor: dict[str, str]
) -> None:
    assert (await api.put("/dids/424242", json=VALID, headers=supervisor)).status_code == 404
    assert (
        await api.patch("/dids/424242", json={"currency": "R$"}, headers=supervisor)
    ).status_code == 404
    assert (await api.delete("/dids/424242", headers=supervisor)).status_code == 404


async def test_delete_is_a_204_then_a_404(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str]
) -> None:
    did = await create()
    response = await api.delete(f"/dids/{did['id']}", headers=supervisor)
    assert response.status_code == 204
    assert response.content == b""
    assert (await api.get(f"/dids/{did['id']}", headers=supervisor)).status_code == 404
    assert (await api.delete(f"/dids/{did['id']}", headers=supervisor)).status_code == 404


async def test_the_same_number_written_another_way_is_a_409_naming_the_existing_id(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str], count_dids: Any
) -> None:
    did = await create()
    response = await api.post(
        "/dids", json={**VALID, "value": "+5584912344321"}, headers=supervisor
    )
    assert response.status_code == 409
    assert response.json()["existingId"] == did["id"]
    assert str(did["id"]) in response.json()["detail"]
    assert await count_dids() == 1


async def test_changing_a_number_to_one_that_exists_is_a_409(
    api: httpx.AsyncClient, create: Create, supervisor: dict[str, str]
) -> None:
    first = await create()
    second = await create(value="+1 650-253-0000")
    response = await api.patch(
        f"/dids/{second['id']}", json={"value": "+55 84 91234 4321"}, headers=supervisor
    )
    assert response.status_code == 409
    assert response.json()["existingId"] == first["id"]


def _row(id_: int, e164: str, monthly: str, setup: str, currency: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=id_,
        e164=e164,
        monthly_price=Decimal(monthly),
        setup_price=Decimal(setup),
        currency=currency,
    )


def test_a_list_page_is_rendered_by_the_entity_schema_compact_and_in_utf8() -> None:
    rows = [
        _row(7, "+5584912344321", "0.03", "3.4", "€"),
        _row(8, "+16502530000", "0", "999999.99", "U$"),
    ]
    assert (
        render_page(rows)
        == (
            '[{"id":7,"value":"+55 84 91234-4321","monthyPrice":"0.03","setupPrice":"3.40",'
            '"currency":"€"},{"id":8,"value":"+1 650-253-0000","monthyPrice":"0.00",'
            '"setupPrice":"999999.99","currency":"U$"}]'
        ).encode()
    )
