"""Chat end to end: rooms, messages, direct messages and realtime, through the real gateway.

`sbctl up` runs two chat nodes and the gateway round-robins over them, so consecutive requests
of one client land on different nodes: a room created through one is read through the other,
a stream held by one node gets messages posted through the other (over NATS), and a resumed
stream may reconnect to either. That is the cross-node test, through the gateway. Which node
answered is deliberately not asserted: the gateway decides, and the result must be the same.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from switchkit.testing.streams import next_events, sse_events

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
# Every wait on the live paths is bounded: a missing event fails the test, never hangs it.
EVENT_TIMEOUT = 10.0


@dataclass(frozen=True)
class User:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _new_user(gateway: httpx.Client) -> User:
    """A freshly signed-up user with no role beyond `user`, signed in (a sign-in of its own)."""
    username = f"e2e{uuid.uuid4().hex[:10]}"
    signup = gateway.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    signin = gateway.post("/auth/signin", json={"username": username, "password": PASSWORD})
    assert signin.status_code == 200, signin.text
    token: str = signin.json()["accessToken"]
    me = gateway.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    return User(id=str(me.json()["id"]), token=token)


def _new_room(gateway: httpx.Client, user: User) -> dict[str, Any]:
    response = gateway.post(
        "/rooms", json={"name": f"room {uuid.uuid4().hex[:10]}"}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


@pytest.fixture(scope="module")
def alice(gateway: httpx.Client) -> User:
    return _new_user(gateway)


@pytest.fixture(scope="module")
def bob(gateway: httpx.Client) -> User:
    return _new_user(gateway)


@pytest.fixture
def carol(gateway: httpx.Client) -> User:
    """A user of one test's own (its sign-in may end there)."""
    return _new_user(gateway)


@pytest.fixture
def room(gateway: httpx.Client, alice: User) -> dict[str, Any]:
    """A new room with no messages, for one test."""
    return _new_room(gateway, alice)


@pytest.fixture
async def api(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway for the async tests (the streams are read on the same event loop)."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=EVENT_TIMEOUT) as client:
        yield client


async def _post(
    api: httpx.AsyncClient, room_id: str, user: User, text: str, **extra: Any
) -> dict[str, Any]:
    response = await api.post(
        f"/room/{room_id}/messages", json={"text": text, **extra}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    message: dict[str, Any] = response.json()
    return message


async def _take(events: asyncio.Queue[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return await next_events(events, n, wait_seconds=EVENT_TIMEOUT)


# --- rooms and room messages ----------------------------------------------------------------


def test_a_room_is_created_at_an_absolute_location_on_the_gateway(
    gateway: httpx.Client, gateway_url: str, alice: User, bob: User
) -> None:
    name = f"Lobby {uuid.uuid4().hex[:8]}"
    response = gateway.post("/rooms", json={"name": name}, headers=alice.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == name
    assert response.headers["location"] == f"{gateway_url}/rooms/{created['roomId']}"
    # The next request goes to the other node: the room is there too (Postgres is the truth).
    read = gateway.get(response.headers["location"], headers=bob.headers)
    assert read.status_code == 200, read.text
    assert read.json() == created
    listed = gateway.get("/rooms", params={"per_page": 100}, headers=bob.headers)
    assert listed.status_code == 200
    assert isinstance(listed.json(), list)
    # The same name in another case is taken, whichever node is asked.
    again = gateway.post("/rooms", json={"name": name.upper()}, headers=bob.headers)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == PROBLEM


def test_room_messages_get_seq_one_to_n_and_list_in_order(
    gateway: httpx.Client, alice: User, bob: User, room: dict[str, Any]
) -> None:
    # Alternate posters; the gateway alternates nodes: the seq stays gapless across both.
    posted = []
    for n in range(6):
        user = alice if n % 2 == 0 else bob
        response = gateway.post(
            f"/room/{room['roomId']}/messages", json={"text": f"m{n}"}, headers=user.headers
        )
        assert response.status_code == 201, response.text
        posted.append(response.json())
    assert [m["seq"] for m in posted] == [1, 2, 3, 4, 5, 6]
    listed = gateway.get(f"/room/{room['roomId']}/messages", headers=bob.headers)
    assert listed.status_code == 200, listed.text
    assert [(m["seq"], m["text"]) for m in listed.json()] == [(n + 1, f"m{n}") for n in range(6)]
    one = gateway.get(f"/room/{room['roomId']}/messages/3", headers=alice.headers)
    assert one.status_code == 200
    assert one.json() == posted[2]


def test_a_retried_message_with_its_client_message_id_is_the_same_message(
    gateway: httpx.Client, alice: User, room: dict[str, Any]
) -> None:
    body = {"text": "only once", "clientMessageId": str(uuid.uuid4())}
    path = f"/room/{room['roomId']}/messages"
    first = gateway.post(path, json=body, headers=alice.headers)
    # The retry reaches the other node: it still finds the original.
    retry = gateway.post(path, json=body, headers=alice.headers)
    assert first.status_code == 201, first.text
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json()
    listed = gateway.get(path, headers=alice.headers).json()
    assert [m["id"] for m in listed] == [first.json()["id"]]


def test_a_room_message_without_a_token_is_refused_by_the_gateway(
    gateway: httpx.Client, room: dict[str, Any]
) -> None:
    response = gateway.post(f"/room/{room['roomId']}/messages", json={"text": "anonymous"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


# --- direct messages ------------------------------------------------------------------------


def test_a_direct_message_reaches_the_other_user_and_an_unknown_one_is_404(
    gateway: httpx.Client, alice: User, bob: User
) -> None:
    sent = gateway.post(f"/users/{bob.id}/messages", json={"text": "hi bob"}, headers=alice.headers)
    assert sent.status_code == 201, sent.text
    message = sent.json()
    inbox = gateway.get("/me/messages", params={"with": alice.id}, headers=bob.headers)
    assert inbox.status_code == 200, inbox.text
    assert message["id"] in [m["id"] for m in inbox.json()]
    read = gateway.get(f"/users/{bob.id}/messages/{message['id']}", headers=bob.headers)
    assert read.status_code == 200, read.text
    body = {"text": "again?", "clientMessageId": str(uuid.uuid4())}
    first = gateway.post(f"/users/{bob.id}/messages", json=body, headers=alice.headers)
    retry = gateway.post(f"/users/{bob.id}/messages", json=body, headers=alice.headers)
    assert (first.status_code, retry.status_code) == (201, 200), retry.text
    assert retry.json() == first.json()
    unknown = gateway.post(
        f"/users/{uuid.uuid4()}/messages", json={"text": "anyone?"}, headers=alice.headers
    )
    assert unknown.status_code == 404, unknown.text
    assert unknown.headers["content-type"] == PROBLEM


# --- realtime: SSE through the gateway ------------------------------------------------------


async def test_a_room_stream_gets_messages_posted_afterwards_in_seq_order(
    api: httpx.AsyncClient, gateway_url: str, alice: User, bob: User, room: dict[str, Any]
) -> None:
    """The stream is held by one node; the POSTs alternate between both."""
    url = f"{gateway_url}/room/{room['roomId']}/subscribe"
    # `after=0` (the room is new): whatever is posted once the request left is delivered, from
    # Postgres if the node's listener was not registered yet, live otherwise; never lost.
    async with sse_events(f"{url}?after=0", alice.headers, wait_seconds=EVENT_TIMEOUT) as events:
        posted = [await _post(api, room["roomId"], bob, f"live {n}") for n in range(5)]
        received = await _take(events, 5)
    assert [e["event"] for e in received] == ["message"] * 5
    assert [int(e["id"]) for e in received] == [m["seq"] for m in posted] == [1, 2, 3, 4, 5]
    assert [e["data"]["id"] for e in received] == [m["id"] for m in posted]


async def test_a_stream_resumed_with_last_event_id_gets_exactly_what_it_missed(
    api: httpx.AsyncClient, gateway_url: str, alice: User, bob: User, room: dict[str, Any]
) -> None:
    url = f"{gateway_url}/room/{room['roomId']}/subscribe"
    async with sse_events(f"{url}?after=0", alice.headers, wait_seconds=EVENT_TIMEOUT) as events:
        await _post(api, room["roomId"], bob, "seen")
        [seen] = await _take(events, 1)
    missed = [await _post(api, room["roomId"], bob, f"missed {n}") for n in range(3)]
    # The reconnect may reach either node.
    headers = {**alice.headers, "Last-Event-ID": seen["id"]}
    async with sse_events(url, headers, wait_seconds=EVENT_TIMEOUT) as events:
        replayed = await _take(events, 3)
        await asyncio.sleep(0.5)
        assert events.empty(), "exactly the missed ones, no more"
    assert [e["data"]["id"] for e in replayed] == [m["id"] for m in missed]
    assert [int(e["id"]) for e in replayed] == [2, 3, 4]


async def test_the_inbox_stream_takes_the_token_from_the_query_for_browsers(
    api: httpx.AsyncClient, gateway_url: str, alice: User, carol: User
) -> None:
    """EventSource cannot set headers: ForwardAuth and chat read `access_token` in the URL."""
    url = f"{gateway_url}/me/subscribe?after=0&access_token={carol.token}"
    async with sse_events(url, {}, wait_seconds=EVENT_TIMEOUT) as events:
        sent = await api.post(
            f"/users/{carol.id}/messages", json={"text": "psst"}, headers=alice.headers
        )
        assert sent.status_code == 201, sent.text
        [event] = await _take(events, 1)
    assert event["data"] == sent.json()


async def test_signing_out_ends_the_stream(
    api: httpx.AsyncClient, gateway_url: str, bob: User, carol: User, room: dict[str, Any]
) -> None:
    """Auth publishes auth.session.revoked on NATS; the node holding the stream ends it."""
    url = f"{gateway_url}/room/{room['roomId']}/subscribe?after=0"
    async with sse_events(url, carol.headers, wait_seconds=EVENT_TIMEOUT) as events:
        # One message first: once it arrived, the node surely follows this sign-in.
        await _post(api, room["roomId"], bob, "before sign-out")
        [first] = await _take(events, 1)
        assert first["event"] == "message"
        signout = await api.post("/auth/signout", headers=carol.headers)
        assert signout.status_code == 204, signout.text
        [ended] = await _take(events, 1)
    assert ended == {"event": "end", "data": {"reason": "signed out"}}


# --- realtime: the multiplexed WebSocket through the gateway ---------------------------------


async def _frames(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(ws.recv(), EVENT_TIMEOUT)) for _ in range(n)]


async def test_one_websocket_gets_a_room_message_and_a_direct_message(
    api: httpx.AsyncClient, gateway_url: str, alice: User, bob: User, room: dict[str, Any]
) -> None:
    """The upgrade passes ForwardAuth with the token from the query string."""
    url = gateway_url.replace("http://", "ws://", 1) + f"/ws?access_token={alice.token}"
    async with connect(url, open_timeout=EVENT_TIMEOUT) as ws:
        await ws.send(json.dumps({"type": "subscribe", "room": room["roomId"]}))
        await ws.send(json.dumps({"type": "subscribe", "inbox": True}))
        subscribed = await _frames(ws, 2)
        assert {f["type"] for f in subscribed} == {"subscribed"}
        assert {f["stream"] for f in subscribed} == {f"room:{room['roomId']}", "inbox"}
        # Both sends go through the gateway, most likely to the node the socket is not on.
        in_room = await _post(api, room["roomId"], bob, "to the room")
        direct = await api.post(
            f"/users/{alice.id}/messages", json={"text": "to alice"}, headers=bob.headers
        )
        assert direct.status_code == 201, direct.text
        frames = await _frames(ws, 2)
    by_stream = {f["stream"]: f["message"] for f in frames if f["type"] == "message"}
    assert by_stream == {f"room:{room['roomId']}": in_room, "inbox": direct.json()}


# --- the portal -----------------------------------------------------------------------------


def test_health_and_docs_include_chat(gateway: httpx.Client, gateway_url: str) -> None:
    health = gateway.get("/health")
    assert health.status_code == 200
    assert health.json()["services"]["chat"] == "up"
    document = gateway.get("/docs/openapi/chat.json")
    assert document.status_code == 200
    assert document.json()["servers"] == [{"url": gateway_url}]
    assert {"/rooms", "/room/{room_id}/subscribe", "/me/subscribe"} <= set(document.json()["paths"])
