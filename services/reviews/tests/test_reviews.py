"""A book's reviews: one per user, newest first by cursor, editable only by their author."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from switchkit.testing import TestTokens
from tests.conftest import Create, bearer

PROBLEM = "application/problem+json"


@pytest.fixture
async def book(add_book: Create) -> dict[str, Any]:
    return await add_book()


async def _review(
    api: httpx.AsyncClient, book: dict[str, Any], headers: dict[str, str], **body: Any
) -> httpx.Response:
    return await api.post(
        f"/books/{book['id']}/reviews", json={"rating": 4, **body}, headers=headers
    )


async def test_a_review_is_201_with_location_and_the_author_from_the_token(
    api: httpx.AsyncClient, book: dict[str, Any], tokens: TestTokens
) -> None:
    headers = bearer(tokens, name="ursula")
    response = await _review(api, book, headers, rating=5, text="  Winter.  ")
    assert response.status_code == 201
    review = response.json()
    assert review["rating"] == 5
    assert review["text"] == "Winter."
    assert review["author"]["username"] == "ursula"
    assert review["bookId"] == book["id"]
    location = f"http://testserver/books/{book['id']}/reviews/{review['id']}"
    assert response.headers["location"] == location
    assert (await api.get(location, headers=headers)).json() == review


async def test_the_author_cannot_be_set_in_the_body(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str]
) -> None:
    response = await _review(api, book, reader, author={"id": "x", "username": "someone"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["author"]


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "5", None, True])
async def test_a_rating_outside_1_to_5_or_not_an_integer_is_a_400(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str], rating: Any
) -> None:
    response = await _review(api, book, reader, rating=rating)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["rating"]
    listing = await api.get(f"/books/{book['id']}/reviews", headers=reader)
    assert listing.json() == []


async def test_a_missing_rating_and_overlong_text_are_400s(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str]
) -> None:
    missing = await api.post(f"/books/{book['id']}/reviews", json={"text": "ok"}, headers=reader)
    long = await _review(api, book, reader, text="x" * 5001)
    assert [e["field"] for e in missing.json()["errors"]] == ["rating"]
    assert [e["field"] for e in long.json()["errors"]] == ["text"]


async def test_reviewing_an_unknown_book_is_a_404(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await _review(api, {"id": 424242}, reader)
    assert response.status_code == 404
    listing = await api.get("/books/424242/reviews", headers=reader)
    assert listing.status_code == 404


async def test_a_second_review_by_the_same_user_is_a_409(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str]
) -> None:
    first = (await _review(api, book, reader)).json()
    again = await _review(api, book, reader, rating=1)
    assert again.status_code == 409
    assert again.json()["existingId"] == first["id"]


async def test_two_reviews_by_one_user_at_once_are_one_review_and_a_409(
    committed_api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    book = await committed_api.post("/books", json={"title": "T", "author": "A"}, headers=reader)
    reviews = f"/books/{book.json()['id']}/reviews"
    answers = await asyncio.gather(
        *(committed_api.post(reviews, json={"rating": 3}, headers=reader) for _ in "ab")
    )
    added, refused = sorted(answers, key=lambda answer: answer.status_code)
    assert (added.status_code, refused.status_code) == (201, 409)
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["existingId"] == added.json()["id"]
    shown = await committed_api.get(f"/books/{book.json()['id']}", headers=reader)
    assert shown.json()["reviewCount"] == 1


async def test_the_book_shows_the_average_and_count(
    api: httpx.AsyncClient, book: dict[str, Any], tokens: TestTokens, reader: dict[str, str]
) -> None:
    for rating in (5, 4, 4):
        await _review(api, book, bearer(tokens), rating=rating)
    shown = (await api.get(f"/books/{book['id']}", headers=reader)).json()
    assert (shown["averageRating"], shown["reviewCount"]) == (4.33, 3)
    listed = (await api.get("/books", headers=reader)).json()
    assert (listed[0]["averageRating"], listed[0]["reviewCount"]) == (4.33, 3)


async def test_reviews_come_newest_first_a_cursor_page_at_a_time(
    api: httpx.AsyncClient, book: dict[str, Any], tokens: TestTokens, reader: dict[str, str]
) -> None:
    ids = [(await _review(api, book, bearer(tokens))).json()["id"] for _ in range(5)]
    first = await api.get(f"/books/{book['id']}/reviews?limit=2", headers=reader)
    assert [r["id"] for r in first.json()] == ids[::-1][:2]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    query = dict(parse_qsl(urlsplit(next_url).query))
    assert query == {"before": str(ids[3]), "limit": "2"}
    second = await api.get(next_url, headers=reader)
    assert [r["id"] for r in second.json()] == ids[::-1][2:4]
    third = await api.get(second.headers["link"].split(">")[0].lstrip("<"), headers=reader)
    assert [r["id"] for r in third.json()] == [ids[0]]
    assert "link" not in third.headers


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "before=0", "before=x"])
async def test_bad_cursor_parameters_are_400s(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str], query: str
) -> None:
    response = await api.get(f"/books/{book['id']}/reviews?{query}", headers=reader)
    assert response.status_code == 400


async def test_the_author_changes_their_review_and_the_average_follows(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str]
) -> None:
    review = (await _review(api, book, reader, rating=2)).json()
    url = f"/books/{book['id']}/reviews/{review['id']}"
    response = await api.put(url, json={"rating": 5, "text": "Better on a reread."}, headers=reader)
    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["text"]) == (5, "Better on a reread.")
    shown = (await api.get(f"/books/{book['id']}", headers=reader)).json()
    assert shown["averageRating"] == 5.0


async def test_someone_elses_review_cannot_be_changed_or_removed(
    api: httpx.AsyncClient,
    book: dict[str, Any],
    reader: dict[str, str],
    other_reader: dict[str, str],
) -> None:
    review = (await _review(api, book, reader, rating=3)).json()
    url = f"/books/{book['id']}/reviews/{review['id']}"
    put = await api.put(url, json={"rating": 1}, headers=other_reader)
    delete = await api.delete(url, headers=other_reader)
    assert (put.status_code, delete.status_code) == (403, 403)
    assert (await api.get(url, headers=reader)).json()["rating"] == 3


async def test_the_author_removes_their_review(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str]
) -> None:
    review = (await _review(api, book, reader, rating=3)).json()
    url = f"/books/{book['id']}/reviews/{review['id']}"
    assert (await api.delete(url, headers=reader)).status_code == 204
    assert (await api.get(url, headers=reader)).status_code == 404
    shown = (await api.get(f"/books/{book['id']}", headers=reader)).json()
    assert (shown["averageRating"], shown["reviewCount"]) == (None, 0)


async def test_an_admin_may_remove_any_review(
    api: httpx.AsyncClient, book: dict[str, Any], reader: dict[str, str], admin: dict[str, str]
) -> None:
    review = (await _review(api, book, reader)).json()
    url = f"/books/{book['id']}/reviews/{review['id']}"
    assert (await api.delete(url, headers=admin)).status_code == 204


async def test_a_review_of_another_book_is_not_found_under_this_one(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    first, second = await add_book(), await add_book()
    review = (await _review(api, first, reader)).json()
    response = await api.get(f"/books/{second['id']}/reviews/{review['id']}", headers=reader)
    assert response.status_code == 404
