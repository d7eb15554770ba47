"""/graphql over HTTP: queries and the mutation follow the same rules as REST."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Create


async def gql(
    api: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any
) -> dict[str, Any]:
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_books_and_a_book_by_id(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    book = await add_book(title="Dune")
    body = await gql(api, reader, "{ books { id title reviewCount averageRating } }")
    assert body["data"]["books"] == [
        {"id": str(book["id"]), "title": "Dune", "reviewCount": 0, "averageRating": None}
    ]
    one = await gql(api, reader, "query($id: ID!) { book(id: $id) { title } }", id=str(book["id"]))
    assert one["data"]["book"] == {"title": "Dune"}
    missing = await gql(api, reader, "{ book(id: 424242) { title } }")
    assert missing["data"]["book"] is None


async def test_add_review_then_read_it_back(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    book = await add_book()
    added = await gql(
        api,
        reader,
        "mutation($b: ID!, $t: String) { addReview(bookId: $b, rating: 5, text: $t) "
        "{ id rating text } }",
        b=str(book["id"]),
        t="Great",
    )
    review = added["data"]["addReview"]
    assert (review["rating"], review["text"]) == (5, "Great")
    listed = await gql(
        api, reader, "query($b: ID!) { reviews(bookId: $b) { id } }", b=str(book["id"])
    )
    assert listed["data"]["reviews"] == [{"id": review["id"]}]
    rest = await api.get(f"/books/{book['id']}/reviews", headers=reader)
    assert [str(r["id"]) for r in rest.json()] == [review["id"]]


async def test_a_bad_rating_is_a_validation_error_and_nothing_is_stored(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    book = await add_book()
    body = await gql(
        api,
        reader,
        "mutation($b: ID!) { addReview(bookId: $b, rating: 7) { id } }",
        b=str(book["id"]),
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "validation"
    assert error["extensions"]["status"] == 400
    assert error["extensions"]["errors"][0]["field"] == "rating"
    assert (await api.get(f"/books/{book['id']}/reviews", headers=reader)).json() == []


async def test_a_second_review_is_a_conflict_error(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str]
) -> None:
    book = await add_book()
    mutation = "mutation($b: ID!) { addReview(bookId: $b, rating: 4) { id } }"
    await gql(api, reader, mutation, b=str(book["id"]))
    again = await gql(api, reader, mutation, b=str(book["id"]))
    assert again["errors"][0]["extensions"]["status"] == 409


async def test_reviewing_an_unknown_book_is_a_not_found_error(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    body = await gql(api, reader, "mutation { addReview(bookId: 424242, rating: 4) { id } }")
    assert body["errors"][0]["extensions"]["status"] == 404


async def test_graphql_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.post("/graphql", json={"query": "{ books { id } }"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_queries_by_get_are_refused(api: httpx.AsyncClient, reader: dict[str, str]) -> None:
    response = await api.get("/graphql", params={"query": "{ books { id } }"}, headers=reader)
    assert response.status_code in (400, 405)
