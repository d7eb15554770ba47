"""Settings refuse missing secrets outside dev; pagination headers follow RFC 8288."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from pydantic import ValidationError
from starlette.datastructures import URL

from switchkit.pagination import Page, page_headers
from switchkit.settings import Environment, KitSettings


class NeedsEverything(KitSettings):
    service_name = "demo"
    uses_redis = True
    uses_nats = True


def test_dev_gets_working_local_defaults() -> None:
    settings = NeedsEverything(environment=Environment.DEV)
    assert settings.database_url == "postgresql+asyncpg://demo:demo@127.0.0.1:5432/switchboard"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.nats_url == "nats://127.0.0.1:4222"


def test_prod_refuses_to_start_without_its_urls() -> None:
    with pytest.raises(ValidationError) as raised:
        NeedsEverything(environment=Environment.PROD)
    message = str(raised.value)
    for name in ("DATABASE_URL", "REDIS_URL", "NATS_URL", "JWKS_URL"):
        assert name in message


def test_prod_accepts_explicit_urls() -> None:
    settings = NeedsEverything(
        environment=Environment.PROD,
        database_url="postgresql+asyncpg://demo:s3cret@db/switchboard",
        redis_url="redis://cache:6379/0",
        nats_url="nats://bus:4222",
        jwks_url="http://auth:8000/auth/.well-known/jwks.json",
    )
    assert settings.database_url == "postgresql+asyncpg://demo:s3cret@db/switchboard"


def _links(header: str) -> dict[str, str]:
    links = {}
    for part in header.split(", "):
        target, rel = part.split("; ")
        links[rel.removeprefix('rel="').removesuffix('"')] = target.strip("<>")
    return links


def test_a_middle_page_links_everywhere() -> None:
    url = URL("http://gw/dids?page=3&per_page=50&currency=U%24")
    headers = page_headers(url=url, page=Page(number=3, size=50), total=800)
    assert headers["X-Total-Count"] == "800"
    links = _links(headers["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    last = urlsplit(links["last"])
    assert (last.path, dict(parse_qsl(last.query))) == (
        "/dids",
        {"page": "16", "per_page": "50", "currency": "U$"},
    )
    assert dict(parse_qsl(urlsplit(links["prev"]).query))["page"] == "2"
    assert dict(parse_qsl(urlsplit(links["next"]).query))["page"] == "4"


def test_a_link_is_the_request_url_with_its_page_replaced() -> None:
    url = URL("http://gw/dids?currency=U%24&page=3&currency=R%24&per_page=50&q=9%201")
    links = _links(page_headers(url=url, page=Page(3, 50), total=800)["Link"])
    assert links["next"] == str(url.include_query_params(page=4, per_page=50))
    assert links["first"] == str(url.include_query_params(page=1, per_page=50))


def test_the_first_page_has_no_prev_and_the_last_no_next() -> None:
    url = URL("http://gw/dids")
    first = _links(page_headers(url=url, page=Page(1, 50), total=120)["Link"])
    last = _links(page_headers(url=url, page=Page(3, 50), total=120)["Link"])
    assert "prev" not in first
    assert "next" not in last


def test_an_empty_list_still_has_a_first_and_last_page() -> None:
    links = _links(page_headers(url=URL("http://gw/x"), page=Page(1, 10), total=0)["Link"])
    assert set(links) == {"first", "last"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"page": 1, "size": 20}),
        ("page=3&per_page=50", {"page": 3, "size": 50}),
        ("_page=2&_limit=10", {"page": 2, "size": 10}),
        ("per_page=100", {"page": 1, "size": 100}),
    ],
)
async def test_page_parameters_and_their_json_server_names(
    client: httpx.AsyncClient, query: str, expected: dict[str, int]
) -> None:
    response = await client.get(f"/items?{query}")
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("_limit=1000", "_limit"),
        ("_page=1.5", "_page"),
    ],
)
async def test_bad_page_parameters_are_a_400_naming_them(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(f"/items?{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_browsers_may_read_the_pagination_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/items", headers={"Origin": "https://frontend.example"})
    exposed = response.headers["access-control-expose-headers"]
    for header in ("X-Total-Count", "Link", "ETag", "Location"):
        assert header in exposed


async def test_a_preflight_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/items",
        headers={
            "Origin": "https://frontend.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match",
        },
    )
    assert response.status_code == 200
    assert "PATCH" in response.headers["access-control-allow-methods"]
