"""List queries as json-server 0.17 reads them: windows, sorts, filters, canonical keys, headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import APIRouter, Depends
from sqlalchemy import Column, Integer, MetaData, Numeric, Table, Text, select
from sqlalchemy.dialects import postgresql
from starlette.datastructures import URL

from switchkit.app import create_service_app
from switchkit.listing import JSON_SERVER_PAGE_SIZE, ListField, Listing, ListQuery, whole_number
from switchkit.pagination import Page
from switchkit.problems import BadRequest
from switchkit.settings import Environment, KitSettings

books = Table(
    "books",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("title", Text),
    Column("price", Numeric(8, 2)),
)


def price(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("must be a decimal number") from exc


BOOKS = Listing(
    fields={
        "id": ListField(books.c.id, parse=whole_number, ordered=True),
        "title": ListField(books.c.title),
        "price": ListField(books.c.price, parse=price, ordered=True),
    },
    aliases={"cost": "price"},
    search="title",
)


def parse(query: str, *, default_size: int = 50, max_size: int = 100) -> ListQuery:
    return BOOKS.parse(query, default_size=default_size, max_size=max_size)


def bad(query: str) -> list[tuple[str, str]]:
    with pytest.raises(BadRequest) as raised:
        parse(query)
    return [(e.field, e.message) for e in raised.value.errors]


def sql(query: ListQuery) -> str:
    statement = query.rows(select(books.c.id))
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def where(query: ListQuery) -> str:
    text = sql(query)
    return text.split("WHERE ", 1)[1].split(" ORDER BY", 1)[0] if "WHERE" in text else ""


def window(query: ListQuery) -> tuple[int, int, Page | None]:
    return query.offset, query.limit, query.page


# --- windows --------------------------------------------------------------------------------


def test_without_window_parameters_it_is_the_first_page_of_the_default_size() -> None:
    assert window(parse("")) == (0, 50, Page(1, 50))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("page=3&per_page=20", (40, 20, Page(3, 20))),
        ("_page=3&_limit=20", (40, 20, Page(3, 20))),
        ("_page=3", (20, JSON_SERVER_PAGE_SIZE, Page(3, JSON_SERVER_PAGE_SIZE))),
        ("page=3", (100, 50, Page(3, 50))),
        ("page=2&_limit=5", (5, 5, Page(2, 5))),
    ],
)
def test_pages_in_either_name(query: str, expected: tuple[int, int, Page]) -> None:
    assert window(parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("_start=10&_end=15", (10, 5, None)),
        ("_end=3", (0, 3, None)),
        ("_start=20&_limit=10", (20, 10, None)),
        ("_limit=10", (0, 10, None)),
        ("_start=7", (7, 50, None)),
        ("_start=4&_end=4", (4, 0, None)),
    ],
)
def test_slices_as_array_slice_has_them(query: str, expected: tuple[int, int, None]) -> None:
    assert window(parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("page=1.5", "page"),
        ("_page=0", "_page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("_limit=101", "_limit"),
        ("_limit=abc", "_limit"),
        ("_start=-1", "_start"),
        ("_start=a", "_start"),
        ("_end=b", "_end"),
        ("_start=10&_end=5", "_end"),
        ("_start=0&_end=101", "_end"),
        ("page=99999999999", "page"),
    ],
)
def test_bad_window_values_are_400s_naming_the_parameter(query: str, parameter: str) -> None:
    assert [field for field, _ in bad(query)] == [parameter]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=1&_page=2", "_page"),
        ("per_page=5&_limit=5", "_limit"),
        ("page=2&_start=10", "_start"),
        ("_page=2&_end=10", "_end"),
        ("_end=10&_limit=5", "_limit"),
        ("page=1&page=2", "page"),
        ("_sort=id&_sort=title", "_sort"),
    ],
)
def test_contradicting_or_repeated_window_parameters_are_400s(query: str, parameter: str) -> None:
    assert [field for field, _ in bad(query)] == [parameter]


def test_blank_window_and_sort_parameters_are_absent_as_json_server_reads_them() -> None:
    assert window(parse("_page=&_limit=&_sort=&_order=&q=")) == (0, 50, Page(1, 50))


def test_page_sizes_come_from_the_callers_settings() -> None:
    assert window(parse("", default_size=7, max_size=8)) == (0, 7, Page(1, 7))
    with pytest.raises(BadRequest):
        parse("per_page=9", default_size=7, max_size=8)


# --- sorting --------------------------------------------------------------------------------


def test_sort_keys_in_our_form_and_json_servers() -> None:
    ours = parse("sort=-price,title")
    theirs = parse("_sort=price,title&_order=desc,asc")
    assert ours.sort == theirs.sort == (("price", True), ("title", False))
    assert ours.key == theirs.key
    assert sql(ours).split("ORDER BY ")[1].startswith("books.price DESC, books.title, books.id")


def test_missing_orders_are_ascending_and_orders_are_case_blind() -> None:
    assert parse("_sort=price,title&_order=DESC").sort == (("price", True), ("title", False))


def test_ties_are_broken_by_the_tiebreak_so_pages_never_overlap() -> None:
    assert sql(parse("sort=title")).split("ORDER BY ")[1].startswith("books.title, books.id")


def test_the_sort_is_canonical_aliases_resolved_nothing_after_the_tiebreak() -> None:
    assert parse("sort=cost,price,id,title").sort == (("price", False), ("id", False))
    assert parse("sort=id").sort == ()
    assert parse("sort=id").key == parse("").key


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("sort=colour", "sort"),
        ("_sort=password", "_sort"),
        ("_sort=title&_order=up", "_order"),
        ("_sort=title&_order=asc,desc", "_order"),
        ("_order=desc", "_order"),
        ("sort=title&_sort=title", "_sort"),
        ("sort=title,", "sort"),
    ],
)
def test_bad_sorts_are_400s_naming_the_parameter(query: str, parameter: str) -> None:
    assert [field for field, _ in bad(query)] == [parameter]


# --- filters --------------------------------------------------------------------------------


def test_a_field_is_an_equality_and_repeated_it_means_any() -> None:
    assert where(parse("id=2&id=1")) == "books.id = 1 OR books.id = 2"


def test_ne_repeated_means_none_of_them() -> None:
    assert where(parse("id_ne=1&id_ne=2")) == "books.id != 1 AND books.id != 2"


def test_ranges_on_ordered_fields() -> None:
    assert where(parse("price_gte=0.5&price_lte=2")) == "books.price >= 0.5 AND books.price <= 2"


def test_several_bounds_of_one_side_keep_the_loosest_as_any_of_them_would() -> None:
    assert parse("price_gte=3&price_gte=1").key == parse("price_gte=1").key
    assert where(parse("price_lte=3&price_lte=1")) == "books.price <= 3"


def test_like_is_a_case_blind_contains_of_plain_text() -> None:
    clause = where(parse("title_like=50%25_Off"))
    assert clause == "(books.title ILIKE '%%' || '50/%%/_off' || '%%' ESCAPE '/')"
    assert where(parse("title_like=a&title_like=b")) == (
        "(books.title ILIKE '%%' || 'a' || '%%' ESCAPE '/')"
        " OR (books.title ILIKE '%%' || 'b' || '%%' ESCAPE '/')"
    )


def test_like_on_a_number_searches_its_text() -> None:
    assert where(parse("id_like=4")) == (
        "(CAST(books.id AS TEXT) ILIKE '%%' || '4' || '%%' ESCAPE '/')"
    )


def test_q_is_the_search_fields_like() -> None:
    assert where(parse("q=Dune")) == where(parse("title_like=dune"))


def test_an_alias_filters_its_field_and_is_the_same_query() -> None:
    assert parse("cost_gte=1.50").key == parse("price_gte=1.5").key


def test_filters_in_any_order_are_the_same_query() -> None:
    assert parse("id=3&title=b&id=1&page=2").key == parse("page=2&title=b&id=1&id=3").key


def test_different_queries_have_different_keys() -> None:
    keys = {parse(q).key for q in ("", "id=1", "id_ne=1", "page=2", "_start=5&_end=10", "q=1")}
    assert len(keys) == 6


def test_a_slice_and_a_page_of_the_same_rows_share_their_key() -> None:
    assert parse("_start=50&_end=100").key == parse("page=2").key


def test_unknown_parameters_are_ignored_as_json_server_ignores_them() -> None:
    assert parse("access_token=x&_=123&callback=f&_embed=a&colour=red").key == parse("").key


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("id=abc", "id", "must be a whole number"),
        ("price_gte=cheap", "price_gte", "must be a decimal number"),
        ("cost_lte=cheap", "cost_lte", "must be a decimal number"),
        ("title_gte=a", "title_gte", "title has no range; _gte works on id, price"),
        (
            "colour_like=red",
            "colour_like",
            "no field 'colour' to filter on; use one of id, title, price",
        ),
        ("title=" + "x" * 65, "title", "must be at most 64 characters"),
        ("q=a&q=b", "q", "give it once"),
    ],
)
def test_bad_filters_are_400s_naming_the_parameter(
    query: str, parameter: str, message: str
) -> None:
    assert bad(query) == [(parameter, message)]


def test_every_bad_parameter_is_named_at_once() -> None:
    assert [field for field, _ in bad("page=0&sort=colour&id=x&price_gte=y")] == [
        "id",
        "price_gte",
        "page",
        "sort",
    ]


def test_q_on_a_list_without_search_is_a_400() -> None:
    plain = Listing(fields={"id": ListField(books.c.id, parse=whole_number)})
    with pytest.raises(BadRequest) as raised:
        plain.parse("q=1", default_size=10, max_size=10)
    assert [e.field for e in raised.value.errors] == ["q"]


# --- headers --------------------------------------------------------------------------------


def links(headers: dict[str, str]) -> dict[str, dict[str, str]]:
    found = {}
    for part in headers["Link"].split(", "):
        target, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = dict(
            parse_qsl(urlsplit(target.strip("<>")).query)
        )
    return found


def test_a_page_answers_the_total_and_links_in_the_names_it_was_asked_in() -> None:
    url = URL("http://gw/books?_page=2&_limit=10&_sort=title")
    headers = parse(url.query).headers(url=url, total=35)
    assert headers["X-Total-Count"] == "35"
    assert links(headers) == {
        "first": {"_sort": "title", "_page": "1", "_limit": "10"},
        "prev": {"_sort": "title", "_page": "1", "_limit": "10"},
        "next": {"_sort": "title", "_page": "3", "_limit": "10"},
        "last": {"_sort": "title", "_page": "4", "_limit": "10"},
    }


def test_a_json_server_page_without_limit_links_with_its_default_size() -> None:
    url = URL("http://gw/books?_page=1")
    assert links(parse(url.query).headers(url=url, total=25))["last"] == {
        "_page": "3",
        "_limit": str(JSON_SERVER_PAGE_SIZE),
    }


def test_a_slice_answers_the_total_and_no_link() -> None:
    url = URL("http://gw/books?_start=10&_end=15")
    assert parse(url.query).headers(url=url, total=35) == {"X-Total-Count": "35"}


def test_headers_are_a_fresh_dict_each_time() -> None:
    url = URL("http://gw/books?page=1")
    query = parse(url.query)
    first = query.headers(url=url, total=3)
    first["X-Cache"] = "HIT"
    assert "X-Cache" not in query.headers(url=url, total=3)


def test_the_openapi_parameters_name_every_filter_once() -> None:
    names = [p["name"] for p in BOOKS.openapi_parameters()]
    assert len(names) == len(set(names))
    assert {"page", "_start", "_end", "q", "id_gte", "price_lte", "title_like"} <= set(names)
    assert "title_gte" not in names


# --- as a dependency --------------------------------------------------------------------------

BookQuery = Annotated[ListQuery, Depends(BOOKS)]
router = APIRouter()


@router.get("/books")
async def list_books(query: BookQuery) -> dict[str, Any]:
    return {"offset": query.offset, "limit": query.limit, "id": id(query)}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = KitSettings(
        environment=Environment.TEST,
        database_url="postgresql+asyncpg://unused@127.0.0.1/unused",
        default_page_size=5,
        max_page_size=6,
    )
    app = create_service_app(
        settings=settings, title="kit", description="", version="0", routers=[router]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


async def test_as_a_dependency_it_reads_the_query_with_the_apps_page_sizes(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/books?page=3")
    assert first.status_code == 200
    assert (first.json()["offset"], first.json()["limit"]) == (10, 5)
    too_big = await client.get("/books?per_page=7")
    assert too_big.status_code == 400
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["errors"] == [{"field": "per_page", "message": "must be at most 6"}]


async def test_a_query_string_asked_again_is_not_parsed_again(client: httpx.AsyncClient) -> None:
    first = await client.get("/books?_start=1&_end=3")
    again = await client.get("/books?_start=1&_end=3")
    other = await client.get("/books?_start=1&_end=4")
    assert first.json() == again.json()
    assert other.json()["id"] != first.json()["id"]


async def test_a_bad_query_string_is_a_400_every_time(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        response = await client.get("/books?id=x")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "id"


def test_the_memo_forgets_its_oldest_queries_when_full() -> None:
    small = Listing(fields={"id": ListField(books.c.id, parse=whole_number)}, memo_size=2)
    for number in (1, 2, 3):
        small._queries.put((f"id={number}".encode(), 10, 10), parse(f"id={number}"))
    assert [small._queries.get((f"id={n}".encode(), 10, 10)) is None for n in (1, 2, 3)] == [
        True,
        False,
        False,
    ]
