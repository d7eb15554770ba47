"""GET /dids: pages, sorting and filters, in our names and json-server's."""

from __future__ import annotations

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
