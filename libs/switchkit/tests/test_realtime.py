"""The realtime kit: listeners and their endings, the sign-out event, JSON over NATS, SSE routes.

Listeners are plain objects (unit tests); NATS is the real server (`SWITCHBOARD_NATS_URL`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent
from jsonschema import Draft202012Validator, FormatChecker

from switchkit.contracts import CONTRACTS_DIR
from switchkit.identity import Identity
from switchkit.messaging import NatsClient, publish_json, subscribe_json
from switchkit.problems import install_problem_handlers
from switchkit.realtime import (
    SESSION_REVOKED,
    Listener,
    Listeners,
    ResumeAfter,
    SessionRevoked,
    StreamEnded,
    end_event,
    json_event,
    watch_revocations,
)

WAIT = 5.0
REVOCATION_CONTRACT = CONTRACTS_DIR / "events" / "auth.session.revoked.json"


def caller(*, session_id: uuid.UUID | None = None, lifetime: float = 60) -> Identity:
    return Identity(
        user_id=uuid.uuid4(),
        username="someone",
        roles=frozenset({"user"}),
        token_id="t",
        expires_at=int(time.time() + lifetime),
        session_id=session_id,
    )


def listener(*, session_id: uuid.UUID | None = None, queue_size: int = 10) -> Listener[int]:
    return Listener(caller=caller(session_id=session_id), queue_size=queue_size)


async def reason(ending: Listener[Any]) -> str:
    with pytest.raises(StreamEnded) as ended:
        await asyncio.wait_for(ending.next(), WAIT)
    return ended.value.reason


# --- a listener -------------------------------------------------------------------------------


async def test_a_listener_gets_what_it_is_offered_in_order() -> None:
    stream = listener()
    for n in (1, 2, 3):
        stream.offer(n)
    assert [await stream.next() for _ in range(3)] == [1, 2, 3]


async def test_a_listener_that_falls_behind_is_ended_as_too_slow_before_what_it_missed() -> None:
    stream = listener(queue_size=2)
    for n in range(3):
        stream.offer(n)
    assert await reason(stream) == "too slow: the stream fell too far behind"


async def test_the_first_reason_wins_and_is_told_to_whoever_asks_again() -> None:
    stream = listener(queue_size=2)
    stream.end("signed out")
    for n in range(5):
        stream.offer(n)
    stream.end("the server is shutting down")
    assert [await reason(stream), await reason(stream)] == ["signed out", "signed out"]


async def test_a_listener_ends_when_the_token_expires() -> None:
    stream: Listener[int] = Listener(caller=caller(lifetime=1), queue_size=2)
    started = time.monotonic()
    assert await reason(stream) == "token expired"
    assert time.monotonic() - started < 2


async def test_iterating_a_listener_stops_at_its_end() -> None:
    stream = listener()
    stream.offer(7)
    items = aiter(stream)
    assert await anext(items) == 7
    stream.end("signed out")
    with pytest.raises(StreamEnded, match="signed out"):
        await anext(items)


# --- the listeners of a process ----------------------------------------------------------------


def test_a_key_is_announced_when_it_gets_its_first_follower_and_loses_its_last() -> None:
    listeners: Listeners[str, int] = Listeners()
    one, two = listener(), listener()
    assert [listeners.follow(one, "room"), listeners.follow(two, "room")] == [True, False]
    assert [listeners.unfollow(one, "room"), listeners.unfollow(two, "room")] == [False, True]
    assert listeners.unfollow(two, "room") is False


def test_disconnecting_returns_the_keys_nobody_follows_any_more() -> None:
    listeners: Listeners[str, int] = Listeners()
    one, two = listener(), listener()
    listeners.follow(one, "shared")
    listeners.follow(one, "own")
    listeners.follow(two, "shared")
    assert len(listeners) == 2
    assert listeners.disconnect(one) == ["own"]
    assert listeners.disconnect(two) == ["shared"]
    assert len(listeners) == 0


async def test_an_item_reaches_the_followers_of_its_key_only() -> None:
    listeners: Listeners[str, int] = Listeners()
    follower, other = listener(), listener()
    listeners.follow(follower, "a")
    listeners.follow(other, "b")
    listeners.offer("a", 1)
    assert await follower.next() == 1
    other.end("checked")
    assert await reason(other) == "checked"


async def test_a_revoked_session_ends_its_streams_only_even_those_following_nothing() -> None:
    listeners: Listeners[str, int] = Listeners()
    session = uuid.uuid4()
    idle, following, someone_else = (
        listener(session_id=session),
        listener(session_id=session),
        listener(session_id=uuid.uuid4()),
    )
    listeners.connect(idle)
    listeners.follow(following, "a")
    listeners.follow(someone_else, "a")
    listeners.end_session(session)
    listeners.offer("a", 1)
    assert [await reason(idle), await reason(following)] == ["signed out", "signed out"]
    assert await someone_else.next() == 1


# --- over NATS ----------------------------------------------------------------------------------


@pytest.fixture
async def nats_client() -> AsyncIterator[NatsClient]:
    client = await nats.connect(os.environ.get("SWITCHBOARD_NATS_URL") or "nats://127.0.0.1:4222")
    try:
        yield client
    finally:
        await client.drain()


def sign_out(session_id: uuid.UUID) -> SessionRevoked:
    return SessionRevoked(
        user_id=uuid.uuid4(),
        session_id=session_id,
        reason="signout",
        revoked_at=datetime.now(UTC),
    )


async def test_json_is_published_and_received_and_a_model_goes_by_its_aliases(
    nats_client: NatsClient,
) -> None:
    subject = f"kit-test.{uuid.uuid4().hex}"
    received: asyncio.Queue[Any] = asyncio.Queue()
    subscription = await subscribe_json(nats_client, subject, received.put_nowait)
    await nats_client.flush()
    event = sign_out(uuid.uuid4())
    await publish_json(nats_client, subject, {"n": 1})
    await publish_json(nats_client, subject, event)
    first, second = [await asyncio.wait_for(received.get(), WAIT) for _ in range(2)]
    await subscription.unsubscribe()
    assert first == {"n": 1}
    assert second == json.loads(event.model_dump_json(by_alias=True))
    assert set(second) == {"userId", "sessionId", "reason", "revokedAt"}


async def test_a_malformed_event_is_logged_and_the_subscription_goes_on(
    nats_client: NatsClient, caplog: pytest.LogCaptureFixture
) -> None:
    subject = f"kit-test.{uuid.uuid4().hex}"
    received: asyncio.Queue[int] = asyncio.Queue()
    subscription = await subscribe_json(nats_client, subject, lambda p: received.put_nowait(p["n"]))
    await nats_client.flush()
    with caplog.at_level(logging.ERROR, logger="switchkit.nats"):
        await nats_client.publish(subject, b"not json")
        await publish_json(nats_client, subject, {"no": "n"})
        await publish_json(nats_client, subject, {"n": 3})
        assert await asyncio.wait_for(received.get(), WAIT) == 3
    await subscription.unsubscribe()
    malformed = [r for r in caplog.records if r.getMessage() == "malformed event"]
    assert [getattr(r, "subject", None) for r in malformed] == [subject, subject]


async def test_a_sign_out_tells_the_watcher_which_session_ended(nats_client: NatsClient) -> None:
    ended: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    watching = await watch_revocations(nats_client, ended.put_nowait)
    await nats_client.flush()
    session_id = uuid.uuid4()
    await nats_client.publish(SESSION_REVOKED, json.dumps({"sessionId": "not all"}).encode())
    await publish_json(nats_client, SESSION_REVOKED, sign_out(session_id))
    # Other suites on this NATS sign out too: wait for ours.
    while (got := await asyncio.wait_for(ended.get(), WAIT)) != session_id:
        pass
    await watching.unsubscribe()
    assert got == session_id


async def test_started_listeners_end_a_signed_out_session_and_all_at_stop(
    nats_client: NatsClient,
) -> None:
    listeners: Listeners[str, int] = Listeners()
    session_id = uuid.uuid4()
    signed_out, other = listener(session_id=session_id), listener(session_id=uuid.uuid4())
    listeners.connect(signed_out)
    listeners.connect(other)
    await listeners.start(nats_client)
    await nats_client.flush()
    await publish_json(nats_client, SESSION_REVOKED, sign_out(session_id))
    assert await reason(signed_out) == "signed out"
    await listeners.stop()
    assert await reason(other) == "the server is shutting down"


# --- the event's schema -------------------------------------------------------------------------


def test_the_revocation_event_is_the_contract_in_code() -> None:
    contract = json.loads(REVOCATION_CONTRACT.read_text())
    model = SessionRevoked.model_json_schema(by_alias=True)
    assert set(model["properties"]) == set(contract["properties"])
    assert set(model["required"]) == set(contract["required"])
    assert model["properties"]["reason"]["enum"] == contract["properties"]["reason"]["enum"]
    event = json.loads(sign_out(uuid.uuid4()).model_dump_json(by_alias=True))
    Draft202012Validator(contract, format_checker=FormatChecker()).validate(event)


# --- Server-Sent Events routes ------------------------------------------------------------------


def sse_app(events: list[ServerSentEvent], *, idle: float = 0) -> FastAPI:
    """A route shaped as the services' are: events, then why its listener ended."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/stream", response_class=EventSourceResponse)
    async def stream(after: ResumeAfter) -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(event="resumed", data={"after": after})
        for event in events:
            yield event
        await asyncio.sleep(idle)
        source: Listener[ServerSentEvent] = Listener(caller=caller(), queue_size=1)
        source.end("signed out")
        try:
            async for event in source:
                yield event
        except StreamEnded as ended:
            yield end_event(ended)

    return app


async def read(app: FastAPI, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        return await client.get(url, headers=headers)


@pytest.mark.parametrize(
    ("url", "headers", "after"),
    [
        ("/stream", {}, None),
        ("/stream?after=4", {}, 4),
        ("/stream?after=4", {"Last-Event-ID": "7"}, 7),
    ],
)
async def test_a_stream_resumes_after_last_event_id_else_after(
    url: str, headers: dict[str, str], after: int | None
) -> None:
    response = await read(sse_app([]), url, headers)
    assert response.status_code == 200
    assert response.text.startswith(f'event: resumed\ndata: {{"after": {json.dumps(after)}}}\n\n')


async def test_a_bad_resume_point_is_refused() -> None:
    response = await read(sse_app([]), "/stream", {"Last-Event-ID": "-1"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["Last-Event-ID"]


async def test_events_carry_their_ids_and_the_stream_ends_with_its_reason() -> None:
    message = json_event(event="message", id="3", data={"seq": 3})
    response = await read(sse_app([message]), "/stream")
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.text.endswith(
        'event: message\ndata: {"seq": 3}\nid: 3\n\nevent: end\ndata: {"reason": "signed out"}\n\n'
    )


async def test_an_idle_stream_sends_heartbeat_comments(monkeypatch: pytest.MonkeyPatch) -> None:
    # FastAPI writes the heartbeat after 15 s without an event; a test cannot wait that long.
    monkeypatch.setattr("fastapi.routing._PING_INTERVAL", 0.05)
    response = await read(sse_app([], idle=0.3), "/stream")
    assert ": ping\n\n" in response.text
    assert response.text.endswith('event: end\ndata: {"reason": "signed out"}\n\n')
