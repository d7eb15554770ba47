"""GET /books, POST /books, GET /books/{id}: the catalogue and its bad inputs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reviews.books.models import Book
from tests.conftest import BOOK, Create

PROBLEM = "application/problem+json"


async def count_books(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Book))).scalar_one())


async def test_an_empty_catalogue_is_an_empty_list(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await api.get("/books", headers=reader)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"


async def test_adding_a_book_answers_201_with_location_and_the_book(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await api.post("/books", json=BOOK, headers=reader)
    assert response.status_code == 201
    book = response.json()
    assert response.headers["location"] == f"http://testserver/books/{book['id']}"
    assert book["title"] == BOOK["title"]
    assert book["isbn"] == "9780441478125"
    assert (book["averageRating"], book["reviewCount"]) == (None, 0)
    assert (await api.get(f"/books/{book['id']}", headers=reader)).json() == book


async def test_an_isbn_10_is_stored_as_isbn_13(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await api.post("/books", json={**BOOK, "isbn": "0-441-47812-3"}, headers=reader)
    assert response.status_code == 201
    assert response.json()["isbn"] == "9780441478125"


async def test_the_same_isbn_in_another_form_is_a_409_naming_the_book(
    api: httpx.AsyncClient, reader: dict[str, str], db_session: AsyncSession
) -> None:
    first = (await api.post("/books", json=BOOK, headers=reader)).json()
    again = await api.post("/books", json={**BOOK, "isbn": "0441478123"}, headers=reader)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["existingId"] == first["id"]
    assert again.json()["detail"] == (
        f"ISBN 9780441478125 is already book {first['id']} (The Left Hand of Darkness)."
    )
    assert await count_books(db_session) == 1


async def test_two_books_with_one_isbn_at_once_are_one_book_and_a_409(
    committed_api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    body = {**BOOK, "isbn": "978-0-441-17271-9"}
    answers = await asyncio.gather(
        *(committed_api.post("/books", json=body, headers=reader) for _ in "ab")
    )
    added, refused = sorted(answers, key=lambda answer: answer.status_code)
    assert (added.status_code, refused.status_code) == (201, 409)
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["existingId"] == added.json()["id"]


async def test_books_without_isbn_may_share_a_title(
    add_book: Create, api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    await add_book()
    await add_book()
    assert (await api.get("/books", headers=reader)).headers["x-total-count"] == "2"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"isbn": "978-0-441-47812-4"}, "isbn"),
        ({"isbn": "12345"}, "isbn"),
        ({"isbn": "not an isbn"}, "isbn"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 301}, "title"),
        ({"title": None}, "title"),
        ({"author": ""}, "author"),
        ({"publishedYear": 3000}, "publishedYear"),
        ({"publishedYear": "nineteen"}, "publishedYear"),
        ({"description": "d" * 5001}, "description"),
        ({"rating": 5}, "rating"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    api: httpx.AsyncClient,
    reader: dict[str, str],
    db_session: AsyncSession,
    changes: dict[str, Any],
    field: str,
) -> None:
    response = await api.post("/books", json={**BOOK, **changes}, headers=reader)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await count_books(db_session) == 0


@pytest.mark.parametrize("missing", ["title", "author"])
async def test_a_missing_required_field_is_a_400(
    api: httpx.AsyncClient, reader: dict[str, str], missing: str
) -> None:
    body = {k: v for k, v in BOOK.items() if k != missing}
    response = await api.post("/books", json=body, headers=reader)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [missing]


async def test_the_bad_isbn_message_says_why(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await api.post("/books", json={**BOOK, "isbn": "978-0-441-47812-4"}, headers=reader)
    assert "checksum" in response.json()["errors"][0]["message"]


async def test_an_unknown_book_is_a_404(api: httpx.AsyncClient, reader: dict[str, str]) -> None:
    response = await api.get("/books/424242", headers=reader)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


async def test_a_malformed_book_id_is_a_400(api: httpx.AsyncClient, reader: dict[str, str]) -> None:
    response = await api.get("/books/abc", headers=reader)
    assert response.status_code == 400


async def test_the_list_pages_with_total_and_links(
    add_book: Create, api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    books = [await add_book(title=f"Book {n}") for n in range(5)]
    response = await api.get("/books?page=2&per_page=2", headers=reader)
    assert [b["id"] for b in response.json()] == [b["id"] for b in books[2:4]]
    assert response.headers["x-total-count"] == "5"
    assert 'rel="next"' in response.headers["link"]
    past = await api.get("/books?page=9&per_page=2", headers=reader)
    assert past.json() == []


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=101", "page=x"])
async def test_bad_page_parameters_are_400s(
    api: httpx.AsyncClient, reader: dict[str, str], query: str
) -> None:
    assert (await api.get(f"/books?{query}", headers=reader)).status_code == 400


async def test_every_books_route_needs_a_token(api: httpx.AsyncClient) -> None:
    for response in (
        await api.get("/books"),
        await api.get("/books/1"),
        await api.post("/books", json=BOOK),
    ):
        assert response.status_code == 401


async def test_successes_write_no_access_line_and_failures_do(
    api: httpx.AsyncClient, reader: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    await api.get("/books", headers={**reader, "X-Request-Id": "req-ok"})
    await api.get("/books/424242", headers={**reader, "X-Request-Id": "req-missing"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    logged = [(line["request_id"], line["status"]) for line in lines if line["msg"] == "request"]
    assert logged == [("req-missing", 404)]
