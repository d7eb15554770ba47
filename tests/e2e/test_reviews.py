"""Books and reviews end to end: through the real Traefik gateway and its ForwardAuth.

`sbctl up` runs two reviews replicas and the gateway balances between them (round robin), so
the live paths below cross replicas by construction: the stream (or subscription) is held by
one replica while the POST that follows is usually served by the other, and the review
reaches the listener over NATS. Which replica answered is deliberately not asserted: the
gateway decides, and the result must be the same either way.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
# Every wait on the live paths is bounded: a missing event fails the test, never hangs it.
EVENT_TIMEOUT = 10.0
STREAM_TIMEOUT = httpx.Timeout(5.0, read=EVENT_TIMEOUT)
GRAPHQL_WS = [Subprotocol("graphql-transport-ws")]


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_token(gateway: httpx.Client) -> str:
    """A freshly signed-up user with no role beyond `user`, signed in."""
    username = f"e2e{uuid.uuid4().hex[:10]}"
    signup = gateway.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    signin = gateway.post("/auth/signin", json={"username": username, "password": PASSWORD})
    assert signin.status_code == 200, signin.text
    token: str = signin.json()["accessToken"]
    return token


def _new_book(gateway: httpx.Client, token: str, **fields: Any) -> dict[str, Any]:
    body = {"title": f"Book {uuid.uuid4().hex[:8]}", "author": "E2E Author", **fields}
    response = gateway.post("/books", json=body, headers=_headers(token))
    assert response.status_code == 201, response.text
    book: dict[str, Any] = response.json()
    return book


def _review(gateway: httpx.Client, token: str, book_id: int, rating: int) -> dict[str, Any]:
    response = gateway.post(
        f"/books/{book_id}/reviews", json={"rating": rating}, headers=_headers(token)
    )
    assert response.status_code == 201, response.text
    review: dict[str, Any] = response.json()
    return review


@pytest.fixture(scope="module")
def token(gateway: httpx.Client) -> str:
    return _new_token(gateway)


@pytest.fixture(scope="module")
def other_token(gateway: httpx.Client) -> str:
    return _new_token(gateway)


@pytest.fixture
def book(gateway: httpx.Client, token: str) -> dict[str, Any]:
    """A new book with no reviews, for one test."""
    return _new_book(gateway, token)


# --- the book list and its cache ------------------------------------------------------------


def test_the_book_list_is_a_miss_then_a_hit_with_the_same_page(
    gateway: httpx.Client, gateway_url: str, token: str
) -> None:
    # A write first: every cached page is stale after it, so the next read is a miss.
    _new_book(gateway, token)
    params = {"page": 1, "per_page": 5}
    miss = gateway.get("/books", params=params, headers=_headers(token))
    hit = gateway.get("/books", params=params, headers=_headers(token))
    assert miss.status_code == hit.status_code == 200, miss.text
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("MISS", "HIT")
    assert hit.content == miss.content
    assert hit.headers["x-total-count"] == miss.headers["x-total-count"]
    page = miss.json()
    # Page 1 of 5 holds min(total, 5) books; the total includes the book just added.
    assert len(page) == min(int(miss.headers["x-total-count"]), 5)
    assert {"id", "title", "author", "averageRating", "reviewCount"} <= set(page[0])
    # Absolute links on the gateway, not on a replica's own port.
    assert f'<{gateway_url}/books?page=1&per_page=5>; rel="first"' in miss.headers["link"]


def test_the_total_counts_a_new_book_at_once(gateway: httpx.Client, token: str) -> None:
    """No client sees a stale page after its own write, whichever replica answers."""
    params = {"per_page": 1}
    gateway.get("/books", params=params, headers=_headers(token))  # cached now
    before = gateway.get("/books", params=params, headers=_headers(token))
    assert before.headers["x-cache"] == "HIT"
    _new_book(gateway, token)
    after = gateway.get("/books", params=params, headers=_headers(token))
    assert after.headers["x-cache"] == "MISS"
    assert int(after.headers["x-total-count"]) == int(before.headers["x-total-count"]) + 1


# --- books and reviews ----------------------------------------------------------------------


def test_a_book_is_created_at_an_absolute_location_on_the_gateway(
    gateway: httpx.Client, gateway_url: str, token: str
) -> None:
    isbn = _unused_isbn13()
    response = gateway.post(
        "/books",
        json={"title": "Dune", "author": "Frank Herbert", "isbn": isbn, "publishedYear": 1965},
        headers=_headers(token),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{gateway_url}/books/{created['id']}"
    assert (created["averageRating"], created["reviewCount"]) == (None, 0)
    read = gateway.get(response.headers["location"], headers=_headers(token))
    assert read.status_code == 200
    assert read.json() == created
    again = gateway.post(
        "/books", json={"title": "Dune", "author": "F. H.", "isbn": isbn}, headers=_headers(token)
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM


def test_reviews_one_per_user_and_only_the_author_edits_it(
    gateway: httpx.Client,
    gateway_url: str,
    token: str,
    other_token: str,
    book: dict[str, Any],
) -> None:
    path = f"/books/{book['id']}/reviews"
    created = gateway.post(path, json={"rating": 4, "text": "Good"}, headers=_headers(token))
    assert created.status_code == 201, created.text
    review = created.json()
    assert created.headers["location"] == f"{gateway_url}{path}/{review['id']}"
    assert (review["rating"], review["text"], review["bookId"]) == (4, "Good", book["id"])

    second = gateway.post(path, json={"rating": 2}, headers=_headers(token))
    assert second.status_code == 409
    assert second.headers["content-type"] == PROBLEM
    assert second.json()["existingId"] == review["id"]

    theirs = gateway.put(
        f"{path}/{review['id']}", json={"rating": 1}, headers=_headers(other_token)
    )
    assert theirs.status_code == 403
    assert theirs.headers["content-type"] == PROBLEM
    removed = gateway.delete(f"{path}/{review['id']}", headers=_headers(other_token))
    assert removed.status_code == 403

    mine = gateway.put(f"{path}/{review['id']}", json={"rating": 5}, headers=_headers(token))
    assert mine.status_code == 200, mine.text
    assert mine.json()["rating"] == 5
    rated = gateway.get(f"/books/{book['id']}", headers=_headers(token)).json()
    assert (rated["averageRating"], rated["reviewCount"]) == (5.0, 1)
    listed = gateway.get(path, headers=_headers(token))
    assert [r["id"] for r in listed.json()] == [review["id"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/books", {"author": "A"}, "title"),
        ("/books", {"title": "", "author": "A"}, "title"),
        ("/books", {"title": "T", "author": "A", "isbn": "978-0-441-17271-8"}, "isbn"),
        ("/books", {"title": "T", "author": "A", "publishedYear": 99999}, "publishedYear"),
        ("/books/{id}/reviews", {"rating": 0}, "rating"),
        ("/books/{id}/reviews", {"rating": 6}, "rating"),
        ("/books/{id}/reviews", {"rating": 4.5}, "rating"),
        ("/books/{id}/reviews", {"rating": "5"}, "rating"),
        ("/books/{id}/reviews", {"text": "no rating"}, "rating"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(
    gateway: httpx.Client,
    other_token: str,
    book: dict[str, Any],
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = gateway.post(path.format(id=book["id"]), json=body, headers=_headers(other_token))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/books"),
        ("POST", "/books"),
        ("GET", "/books/1"),
        ("GET", "/books/1/reviews"),
        ("GET", "/books/1/reviews/stream"),
        ("POST", "/graphql"),
        ("GET", "/graphql"),
    ],
)
def test_no_token_is_a_401_problem_from_the_gateway(
    gateway: httpx.Client, method: str, path: str
) -> None:
    response = gateway.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Answered by ForwardAuth: the request never reached a reviews replica.
    assert response.json()["instance"] == "/auth/verify"


def test_the_gateway_does_not_hand_neighbouring_paths_to_reviews(
    gateway: httpx.Client, token: str
) -> None:
    for path in ("/bookshelf", "/graphql-ide", "/graphql/x"):
        assert gateway.get(path, headers=_headers(token)).status_code == 404, path


# --- live reviews: Server-Sent Events -------------------------------------------------------


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """SSE events as dicts (`event`, `id`, `data` parsed as JSON); comments skipped."""
    event: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "event" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[name] = json.loads(value) if name == "data" else value


def test_the_event_stream_gets_reviews_posted_after_it_opened(
    gateway: httpx.Client, token: str, other_token: str, book: dict[str, Any]
) -> None:
    """The stream and the POSTs go through the gateway, each to whichever replica it picks."""
    stream_path = f"/books/{book['id']}/reviews/stream"
    # `after=0`: whatever is posted once the request left is delivered, from the backlog if
    # the stream's listener was not registered yet, live otherwise; never lost to a race.
    with gateway.stream(
        "GET",
        stream_path,
        params={"after": 0},
        headers={**_headers(token), "Accept": "text/event-stream"},
        timeout=STREAM_TIMEOUT,
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream.iter_lines())
        first = _review(gateway, other_token, book["id"], 4)
        received = next(events)
        assert received["event"] == "review-added"
        assert received["id"] == str(first["id"])
        assert received["data"]["rating"] == 4
        # The first event came after the listener was registered: this one can only come
        # live, through NATS, unbuffered by the gateway (a read waits EVENT_TIMEOUT at most).
        second = _review(gateway, token, book["id"], 2)
        received = next(events)
        assert (received["id"], received["data"]["rating"]) == (str(second["id"]), 2)


def test_the_event_stream_accepts_the_token_in_the_query_for_browsers(
    gateway: httpx.Client, token: str, book: dict[str, Any]
) -> None:
    """EventSource cannot set headers: ForwardAuth reads `access_token` from the URL."""
    review = _review(gateway, token, book["id"], 3)
    with gateway.stream(
        "GET",
        f"/books/{book['id']}/reviews/stream",
        params={"access_token": token},
        headers={"Accept": "text/event-stream", "Last-Event-ID": "0"},
        timeout=STREAM_TIMEOUT,
    ) as stream:
        assert stream.status_code == 200
        received = next(_events(stream.iter_lines()))
    assert received["id"] == str(review["id"])


# --- live reviews: the GraphQL subscription over WebSocket ----------------------------------


def _ws_url(gateway_url: str, token: str) -> str:
    return gateway_url.replace("http://", "ws://", 1) + f"/graphql?access_token={token}"


def _next_message(ws: ClientConnection, deadline: float) -> dict[str, Any]:
    """The next message that is not a keep-alive ping, by `deadline` (monotonic)."""
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0)))
        if message["type"] not in {"ping", "pong"}:
            return message


def test_a_graphql_subscription_gets_a_review_posted_through_rest(
    gateway: httpx.Client, gateway_url: str, token: str, book: dict[str, Any]
) -> None:
    """The WebSocket upgrade passes ForwardAuth with the token from the query string."""
    with connect(
        _ws_url(gateway_url, token),
        subprotocols=GRAPHQL_WS,
        open_timeout=EVENT_TIMEOUT,
    ) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        ws.send(json.dumps({"type": "connection_init"}))
        assert _next_message(ws, time.monotonic() + EVENT_TIMEOUT)["type"] == "connection_ack"
        query = "subscription($b: ID!) { reviewAdded(bookId: $b) { id bookId rating } }"
        subscribe = {"query": query, "variables": {"b": str(book["id"])}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        # graphql-transport-ws does not acknowledge a subscription, and this one has no
        # backlog: post a review (each by a new user) until one arrives, a few at most.
        posted: dict[str, int] = {}
        deadline = time.monotonic() + EVENT_TIMEOUT
        message: dict[str, Any] = {}
        while time.monotonic() < deadline and len(posted) < 5:
            review = _review(gateway, _new_token(gateway), book["id"], 1 + len(posted))
            posted[str(review["id"])] = review["rating"]
            try:
                message = _next_message(ws, min(time.monotonic() + 2.0, deadline))
            except TimeoutError:
                continue
            break
        ws.send(json.dumps({"id": "1", "type": "complete"}))
    assert message.get("type") == "next", message or f"nothing within {EVENT_TIMEOUT} s"
    added = message["payload"]["data"]["reviewAdded"]
    assert added["bookId"] == str(book["id"])
    assert posted.get(added["id"]) == added["rating"]


def test_a_websocket_without_a_token_is_refused_by_the_gateway(gateway_url: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(
            gateway_url.replace("http://", "ws://", 1) + "/graphql",
            subprotocols=GRAPHQL_WS,
            open_timeout=EVENT_TIMEOUT,
        )
    assert refused.value.response.status_code == 401


def test_graphql_queries_by_post_through_the_gateway(
    gateway: httpx.Client, token: str, book: dict[str, Any]
) -> None:
    query = "query($b: ID!) { book(id: $b) { id title reviewCount } }"
    response = gateway.post(
        "/graphql",
        json={"query": query, "variables": {"b": str(book["id"])}},
        headers=_headers(token),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["book"] == {
        "id": str(book["id"]),
        "title": book["title"],
        "reviewCount": 0,
    }


# --- the portal -----------------------------------------------------------------------------


def test_health_and_docs_include_reviews(gateway: httpx.Client, gateway_url: str) -> None:
    health = gateway.get("/health")
    assert health.status_code == 200
    assert health.json()["services"]["reviews"] == "up"
    assert "/docs/openapi/reviews.json" in gateway.get("/docs").text
    document = gateway.get("/docs/openapi/reviews.json")
    assert document.status_code == 200
    assert document.json()["servers"] == [{"url": gateway_url}]
    assert {"/books", "/books/{book_id}/reviews/stream"} <= set(document.json()["paths"])


def _unused_isbn13() -> str:
    """A valid ISBN-13 (978 prefix, random body, computed check digit) no other run used."""
    body = "978" + f"{uuid.uuid4().int % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)
