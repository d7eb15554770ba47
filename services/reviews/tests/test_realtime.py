"""Live reviews across replicas: SSE and the GraphQL subscription, fed through real NATS."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from websockets.asyncio.client import connect

from reviews.books.models import Book
from reviews.config import Settings
from reviews.main import create_app
from switchkit.db import Database
from switchkit.testing import InfraUrls, TestTokens
from switchkit.testing.plugin import ServeHttp
from switchkit.testing.streams import announce_sign_out, next_events, sse_events

EVENT_TIMEOUT = 10.0


@dataclass
class Replicas:
    a: str
    b: str
    book_id: int


def token_headers(tokens: TestTokens, **claims: Any) -> dict[str, str]:
    user_id = uuid.uuid4()
    token = tokens.token(sub=str(user_id), name=f"r{user_id.hex[:6]}", **claims)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def replicas(
    serve_http: ServeHttp,
    settings_for: Callable[..., Settings],
    tokens: TestTokens,
    infra_urls: InfraUrls,
) -> AsyncIterator[Replicas]:
    """Two replicas of the service, as separate servers sharing Postgres, Redis and NATS."""
    app_a = create_app(settings_for(), token_verifier=lambda _: tokens)
    app_b = create_app(settings_for(), token_verifier=lambda _: tokens)
    async with serve_http(app_a) as a, serve_http(app_b) as b, httpx.AsyncClient() as client:
        created = await client.post(
            f"{a}/books",
            json={"title": "Live", "author": "Tester"},
            headers=token_headers(tokens),
        )
        book_id = created.json()["id"]
        try:
            yield Replicas(a=a, b=b, book_id=book_id)
        finally:
            database = Database(infra_urls.database)
            async with database.sessions.begin() as session:
                await session.execute(delete(Book).where(Book.id == book_id))
            await database.dispose()


async def next_event(events: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    [event] = await next_events(events, 1, wait_seconds=EVENT_TIMEOUT)
    return event


async def post_review(base: str, book_id: int, headers: dict[str, str], rating: int = 4) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{base}/books/{book_id}/reviews", json={"rating": rating}, headers=headers
        )
    assert response.status_code == 201, response.text
    review_id: int = response.json()["id"]
    return review_id


async def test_an_sse_listener_on_one_replica_gets_a_review_posted_through_the_other(
    replicas: Replicas, tokens: TestTokens
) -> None:
    url = f"{replicas.a}/books/{replicas.book_id}/reviews/stream"
    async with sse_events(url, token_headers(tokens)) as events:
        review_id = await post_review(replicas.b, replicas.book_id, token_headers(tokens), 5)
        event = await next_event(events)
    assert event["event"] == "review-added"
    assert event["id"] == str(review_id)
    assert (event["data"]["id"], event["data"]["rating"]) == (review_id, 5)


async def test_a_reconnect_with_last_event_id_gets_the_missed_reviews_first_then_live(
    replicas: Replicas, tokens: TestTokens
) -> None:
    posted = [
        await post_review(replicas.b, replicas.book_id, token_headers(tokens)) for _ in range(3)
    ]
    url = f"{replicas.a}/books/{replicas.book_id}/reviews/stream"
    headers = {**token_headers(tokens), "Last-Event-ID": str(posted[0])}
    async with sse_events(url, headers) as events:
        missed = [await next_event(events), await next_event(events)]
        live_id = await post_review(replicas.b, replicas.book_id, token_headers(tokens))
        live = await next_event(events)
    assert [int(e["id"]) for e in missed] == posted[1:]
    assert int(live["id"]) == live_id
    assert events.empty(), "no duplicates"


async def test_signing_out_ends_the_stream(
    replicas: Replicas, tokens: TestTokens, infra_urls: InfraUrls
) -> None:
    session_id = uuid.uuid4()
    headers = token_headers(tokens, sid=str(session_id))
    url = f"{replicas.a}/books/{replicas.book_id}/reviews/stream"
    async with sse_events(url, headers) as events:
        await announce_sign_out(infra_urls.nats, session_id)
        ended = await next_event(events)
    assert ended == {"event": "end", "data": {"reason": "signed out"}}


async def test_the_stream_ends_when_the_token_expires(
    replicas: Replicas, tokens: TestTokens
) -> None:
    headers = token_headers(tokens, exp=int(time.time()) + 2)
    url = f"{replicas.a}/books/{replicas.book_id}/reviews/stream"
    async with sse_events(url, headers) as events:
        ended = await next_event(events)
    assert ended == {"event": "end", "data": {"reason": "token expired"}}


async def test_a_stream_of_an_unknown_book_is_a_404(
    api: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    response = await api.get("/books/424242/reviews/stream", headers=reader)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_graphql_subscription_on_one_replica_gets_a_review_posted_through_the_other(
    replicas: Replicas, tokens: TestTokens
) -> None:
    token = tokens.token(sub=str(uuid.uuid4()))
    ws_url = replicas.a.replace("http://", "ws://") + f"/graphql?access_token={token}"
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        query = (
            "subscription($b: ID!) { reviewAdded(bookId: $b) { id rating author { username } } }"
        )
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"b": str(replicas.book_id)}},
                }
            )
        )
        await asyncio.sleep(0.3)  # the subscription registers its listener
        review_id = await post_review(replicas.b, replicas.book_id, token_headers(tokens), 3)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), EVENT_TIMEOUT))
            if message["type"] != "ping":
                break
    assert message["type"] == "next"
    assert message["payload"]["data"]["reviewAdded"]["id"] == str(review_id)
    assert message["payload"]["data"]["reviewAdded"]["rating"] == 3
