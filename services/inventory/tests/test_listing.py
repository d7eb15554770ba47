"""GET /dids: pages, sorting and filters, in our names and json-server's."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

Create = Callable[..., Awaitable[dict[str, Any]]]

# Valid numbers in several countries, with prices that make sorting visible.
NUMBERS = [
    ("+55 84 91234-4321", "0.30", "3.40", "U$"),
    ("+55 11 3456-7890", "0.10", "1.00", "R$"),
    ("+1 650-253-0000", "0.50", "0.00", "U$"),
    ("+44 20 7946 0958", "0.20", "9.00", "£"),
    ("+49 30 123456", "0.40", "2.00", "€"),
    ("+34 912 34 56 78", "0.10", "5.00", "€"),
    ("+351 21 234 5678", "0.60", "7.00", "€"),
]


@pytest.fixture
async def seven(create: Create) -> list[dict[str, Any]]:
    return [
        await create(value=v, monthyPrice=m, setupPrice=s, currency=c) for v, m, s, c in NUMBERS
    ]


def _links(response: httpx.Response) -> dict[str, dict[str, str]]:
    links = {}
    for part in response.headers["link"].split(", "):
        target, rel = part.split("; ")
        query = dict(parse_qsl(urlsplit(target.strip("<>")).query))
        links[rel.removeprefix('rel="').removesuffix('"')] = query
    return links


async def test_an_empty_inventory_is_an_empty_array(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.get("/dids", headers=user)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"


async def test_the_default_page_holds_everything_when_small(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids", headers=user)
    assert response.json() == seven
    assert response.headers["x-total-count"] == "7"


async def test_pages_split_the_list_with_links_and_total(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    first = await api.get("/dids?page=1&per_page=3", headers=user)
    middle = await api.get("/dids?page=2&per_page=3", headers=user)
    last = await api.get("/dids?page=3&per_page=3", headers=user)
    assert [d["id"] for d in first.json() + middle.json() + last.json()] == [d["id"] for d in seven]
    assert last.json() == seven[6:]
    assert {r.headers["x-total-count"] for r in (first, middle, last)} == {"7"}
    assert set(_links(first)) == {"first", "next", "last"}
    assert _links(middle)["prev"]["page"] == "1"
    assert _links(middle)["next"]["page"] == "3"
    assert _links(middle)["last"] == {"page": "3", "per_page": "3"}
    assert set(_links(last)) == {"first", "prev", "last"}


async def test_a_page_past_the_end_is_an_empty_array(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?page=9&per_page=3", headers=user)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "7"
    assert _links(response)["last"]["page"] == "3"


async def test_json_server_page_names_work(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_page=2&_limit=2", headers=user)
    assert response.json() == seven[2:4]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page=x", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("_limit=abc", "_limit"),
    ],
)
async def test_bad_page_parameters_are_400s(
    api: httpx.AsyncClient, user: dict[str, str], query: str, field: str
) -> None:
    response = await api.get(f"/dids?{query}", headers=user)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_the_size_maximum_is_allowed(api: httpx.AsyncClient, user: dict[str, str]) -> None:
    assert (await api.get("/dids?per_page=100", headers=user)).status_code == 200


async def test_sort_by_price_descending_then_value(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?sort=-monthyPrice,value", headers=user)
    prices = [d["monthyPrice"] for d in response.json()]
    assert prices == sorted(prices, key=float, reverse=True)
    tied = [d["value"] for d in response.json() if d["monthyPrice"] == "0.10"]
    assert tied == ["+34 912 34 56 78", "+55 11 3456-7890"]


async def test_json_server_sort_and_order(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_sort=setupPrice&_order=desc", headers=user)
    assert [d["setupPrice"] for d in response.json()] == [
        "9.00",
        "7.00",
        "5.00",
        "3.40",
        "2.00",
        "1.00",
        "0.00",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("sort=colour", "sort"), ("_sort=password", "_sort"), ("_sort=value&_order=up", "_order")],
)
async def test_bad_sorts_are_400s(
    api: httpx.AsyncClient, user: dict[str, str], query: str, field: str
) -> None:
    response = await api.get(f"/dids?{query}", headers=user)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_filter_by_currency(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids", params={"currency": "€"}, headers=user)
    assert {d["currency"] for d in response.json()} == {"€"}
    assert response.headers["x-total-count"] == "3"
    both = await api.get("/dids", params=[("currency", "€"), ("currency", "£")], headers=user)
    assert both.headers["x-total-count"] == "4"


async def test_an_unknown_currency_filter_is_a_400(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.get("/dids?currency=DOGE", headers=user)
    assert response.status_code == 400


async def test_search_matches_digits_in_any_format(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    for query in ("q=91234-43", "q=9123443", "value_like=(91234) 43"):
        response = await api.get(f"/dids?{query}", headers=user)
        assert [d["value"] for d in response.json()] == ["+55 84 91234-4321"], query


async def test_a_search_without_digits_is_a_400(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.get("/dids?q=abc", headers=user)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q"


async def test_sort_filter_and_page_together(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?currency=€&sort=-setupPrice&page=2&per_page=2", headers=user)
    assert [d["setupPrice"] for d in response.json()] == ["2.00"]
    assert response.headers["x-total-count"] == "3"
    links = _links(response)
    assert links["first"] == {"currency": "€", "sort": "-setupPrice", "page": "1", "per_page": "2"}
    assert "next" not in links


# --- json-server 0.17: slices, field filters, several sort fields ----------------------------


def _values(response: httpx.Response) -> list[str]:
    return [did["value"] for did in response.json()]


async def test_a_slice_answers_those_rows_the_total_and_no_link(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_start=2&_end=5", headers=user)
    assert response.status_code == 200
    assert response.json() == seven[2:5]
    assert response.headers["x-total-count"] == "7"
    assert "link" not in response.headers


async def test_a_slice_by_start_and_limit(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_start=5&_limit=10", headers=user)
    assert response.json() == seven[5:]
    assert response.headers["x-total-count"] == "7"
    assert "link" not in response.headers


async def test_a_limit_without_a_page_is_a_slice_from_the_start(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_limit=2", headers=user)
    assert response.json() == seven[:2]
    assert "link" not in response.headers


async def test_a_json_server_page_without_limit_has_ten_rows_and_links_in_its_names(
    api: httpx.AsyncClient, user: dict[str, str], create: Create
) -> None:
    for n in range(12):
        await create(value=f"+1 650-253-{n:04d}")
    response = await api.get("/dids?_page=2", headers=user)
    assert len(response.json()) == 2
    assert response.headers["x-total-count"] == "12"
    links = _links(response)
    assert links["first"] == {"_page": "1", "_limit": "10"}
    assert links["prev"] == {"_page": "1", "_limit": "10"}
    assert links["last"] == {"_page": "2", "_limit": "10"}
    assert "next" not in links


async def test_price_ranges_filter_in_either_spelling(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?monthyPrice_gte=0.4&monthlyPrice_lte=0.5", headers=user)
    assert sorted(d["monthyPrice"] for d in response.json()) == ["0.40", "0.50"]
    assert response.headers["x-total-count"] == "2"


async def test_a_repeated_field_means_any_of_its_values(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    wanted = [seven[1]["id"], seven[4]["id"]]
    response = await api.get("/dids", params=[("id", wanted[1]), ("id", wanted[0])], headers=user)
    assert [d["id"] for d in response.json()] == wanted


async def test_ne_excludes_every_value_given(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get(
        "/dids", params=[("currency_ne", "€"), ("currency_ne", "U$")], headers=user
    )
    assert {d["currency"] for d in response.json()} == {"R$", "£"}


async def test_a_number_in_any_format_finds_its_did(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids", params={"value": "+5584912344321"}, headers=user)
    assert _values(response) == ["+55 84 91234-4321"]


async def test_like_on_a_text_field_ignores_case(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids", params={"currency_like": "u"}, headers=user)
    assert {d["currency"] for d in response.json()} == {"U$"}


async def test_several_sort_fields_each_with_its_order(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?_sort=currency,monthyPrice&_order=asc,desc", headers=user)
    assert [(d["currency"], d["monthyPrice"]) for d in response.json()] == [
        ("R$", "0.10"),
        ("U$", "0.50"),
        ("U$", "0.30"),
        ("£", "0.20"),
        ("€", "0.60"),
        ("€", "0.40"),
        ("€", "0.10"),
    ]


async def test_filters_slices_and_sorts_together(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get(
        "/dids?currency=€&_sort=setupPrice&_order=desc&_start=1&_end=3", headers=user
    )
    assert [d["setupPrice"] for d in response.json()] == ["5.00", "2.00"]
    assert response.headers["x-total-count"] == "3"


async def test_parameters_that_are_no_field_are_ignored(
    api: httpx.AsyncClient, user: dict[str, str], seven: list[dict[str, Any]]
) -> None:
    response = await api.get("/dids?colour=red&_=1700000000&_embed=x", headers=user)
    assert response.status_code == 200
    assert response.headers["x-total-count"] == "7"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("monthyPrice_gte=cheap", "monthyPrice_gte"),
        ("monthlyPrice_lte=0.001", "monthlyPrice_lte"),
        ("setupPrice=-1", "setupPrice"),
        ("id=abc", "id"),
        ("value=12345", "value"),
        ("value_gte=%2B1", "value_gte"),
        ("currency_ne=DOGE", "currency_ne"),
        ("colour_like=red", "colour_like"),
        ("_start=5&_end=2", "_end"),
        ("_start=0&_end=101", "_end"),
        ("_start=x", "_start"),
        ("page=2&_start=10", "_start"),
        ("_sort=colour", "_sort"),
        ("value_like=abc", "value_like"),
    ],
)
async def test_bad_json_server_parameters_are_400s_naming_them(
    api: httpx.AsyncClient, user: dict[str, str], query: str, field: str
) -> None:
    response = await api.get(f"/dids?{query}", headers=user)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_every_bad_parameter_is_named_in_one_problem(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.get("/dids?per_page=0&id=x&monthyPrice_gte=y", headers=user)
    assert response.status_code == 400
    assert response.json()["detail"] == "3 fields are invalid"
    assert {e["field"] for e in response.json()["errors"]} == {"per_page", "id", "monthyPrice_gte"}


def _access_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "switchkit.access"]


async def test_list_successes_write_no_access_line_and_its_failures_do(
    api: httpx.AsyncClient, user: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    await api.get("/dids", headers=user)  # the gateway's access log has it
    refused = await api.get("/dids")
    bad = await api.get("/dids?page=0", headers=user)
    lines = _access_lines(capsys.readouterr().out)
    assert [(line["status"], line["request_id"]) for line in lines] == [
        (401, refused.headers["x-request-id"]),
        (400, bad.headers["x-request-id"]),
    ]
