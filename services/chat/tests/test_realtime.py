"""Realtime across two chat nodes joined by real NATS: SSE, WebSocket, resume, gap fill, endings."""

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
from sqlalchemy import delete, text, update
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chat.live.hub import Hub
from chat.live.streams import StreamKey, Subscriber
from chat.rooms.models import Room
from switchkit.db import Database
from switchkit.realtime import StreamEnded
from switchkit.testing import InfraUrls, TestTokens
from switchkit.testing.plugin import ServeHttp
from switchkit.testing.streams import announce_sign_out, next_events, sse_events
from tests.conftest import User

TIMEOUT = 10.0
UNANNOUNCED_MESSAGE = """
    INSERT INTO chat.room_messages (id, room_id, seq, author_id, author_name, text)
    VALUES (gen_random_uuid(), :room, 2, :author, 'bob', 'dropped on NATS')
"""


@dataclass
class Nodes:
    a: str
    b: str
    room_id: str


@pytest.fixture
async def nodes(
    serve_http: ServeHttp, make_app: Callable[[], Any], alice: User, infra_urls: InfraUrls
) -> AsyncIterator[Nodes]:
    async with serve_http(make_app()) as a, serve_http(make_app()) as b, httpx.AsyncClient() as c:
        name = f"live-{uuid.uuid4().hex[:8]}"
        room = (await c.post(f"{a}/rooms", json={"name": name}, headers=alice.headers)).json()
        try:
            yield Nodes(a=a, b=b, room_id=room["roomId"])
        finally:
            database = Database(infra_urls.database)
            async with database.sessions.begin() as session:
                await session.execute(delete(Room).where(Room.name == name))
            await database.dispose()


async def send(url: str, sender: User, text_: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json={"text": text_}, headers=sender.headers)
    assert response.status_code == 201, response.text
    message: dict[str, Any] = response.json()
    return message


async def post(base: str, room_id: str, user: User, text_: str) -> dict[str, Any]:
    return await send(f"{base}/room/{room_id}/messages", user, text_)


async def send_direct(base: str, to: User, sender: User, text_: str) -> dict[str, Any]:
    return await send(f"{base}/users/{to.id}/messages", sender, text_)


async def take(events: asyncio.Queue[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return await next_events(events, n, wait_seconds=TIMEOUT)


async def test_sse_on_node_a_gets_messages_posted_through_node_b_in_order(
    nodes: Nodes, alice: User, bob: User
) -> None:
    async with sse_events(f"{nodes.a}/room/{nodes.room_id}/subscribe", alice.headers) as events:
        posted = [await post(nodes.b, nodes.room_id, bob, f"m{n}") for n in range(5)]
        received = await take(events, 5)
    assert [e["event"] for e in received] == ["message"] * 5
    assert [int(e["id"]) for e in received] == [m["seq"] for m in posted] == [1, 2, 3, 4, 5]
    assert [e["data"]["text"] for e in received] == ["m0", "m1", "m2", "m3", "m4"]


async def test_a_client_that_leaves_is_forgotten_and_its_stream_unsubscribed(
    serve_http: ServeHttp, make_app: Callable[[], Any], nodes: Nodes, alice: User
) -> None:
    app = make_app()
    async with serve_http(app) as base:
        url = f"{base}/room/{nodes.room_id}/subscribe"
        async with sse_events(url, alice.headers) as events:
            await post(nodes.b, nodes.room_id, alice, "hello")
            await take(events, 1)
            hub: Hub = app.state.hub
            assert (len(hub.listeners), len(hub.followed)) == (1, 1)
        for _ in range(50):
            if (len(hub.listeners), len(hub.followed)) == (0, 0):
                break
            await asyncio.sleep(0.1)
    assert (len(hub.listeners), len(hub.followed)) == (0, 0)


async def test_a_reconnect_with_last_event_id_on_another_node_gets_exactly_the_missed(
    nodes: Nodes, alice: User, bob: User
) -> None:
    url = f"/room/{nodes.room_id}/subscribe"
    async with sse_events(nodes.a + url, alice.headers) as events:
        await post(nodes.b, nodes.room_id, bob, "seen")
        [seen] = await take(events, 1)
    missed = [await post(nodes.b, nodes.room_id, bob, f"missed {n}") for n in range(4)]
    headers = {**alice.headers, "Last-Event-ID": seen["id"]}
    async with sse_events(nodes.b + url, headers) as events:
        replayed = await take(events, 4)
        live = await post(nodes.a, nodes.room_id, bob, "live")
        [after] = await take(events, 1)
        await asyncio.sleep(0.3)
        assert events.empty(), "no duplicate"
    assert [e["data"]["id"] for e in replayed] == [m["id"] for m in missed]
    assert after["data"]["id"] == live["id"]


async def test_a_message_missed_on_nats_is_filled_from_postgres(
    nodes: Nodes, alice: User, bob: User, infra_urls: InfraUrls
) -> None:
    async with sse_events(f"{nodes.a}/room/{nodes.room_id}/subscribe", alice.headers) as events:
        await post(nodes.b, nodes.room_id, bob, "one")
        # Stored but never announced, as if NATS had dropped it on the way to node A.
        database = Database(infra_urls.database)
        async with database.sessions.begin() as session:
            await session.execute(
                update(Room).where(Room.id == uuid.UUID(nodes.room_id)).values(last_seq=2)
            )
            await session.execute(
                text(UNANNOUNCED_MESSAGE), {"room": nodes.room_id, "author": str(bob.id)}
            )
        await database.dispose()
        await post(nodes.b, nodes.room_id, bob, "three")
        received = await take(events, 3)
    assert [(int(e["id"]), e["data"]["text"]) for e in received] == [
        (1, "one"),
        (2, "dropped on NATS"),
        (3, "three"),
    ]


async def test_signing_out_closes_the_stream(
    nodes: Nodes, tokens: TestTokens, infra_urls: InfraUrls
) -> None:
    session_id = uuid.uuid4()
    token = tokens.token(sid=str(session_id))
    async with sse_events(
        f"{nodes.a}/room/{nodes.room_id}/subscribe", {"Authorization": f"Bearer {token}"}
    ) as events:
        await announce_sign_out(infra_urls.nats, session_id)
        [ended] = await take(events, 1)
    assert ended == {"event": "end", "data": {"reason": "signed out"}}


async def test_the_stream_ends_when_the_token_expires(nodes: Nodes, tokens: TestTokens) -> None:
    token = tokens.token(exp=int(time.time()) + 2)
    async with sse_events(
        f"{nodes.a}/room/{nodes.room_id}/subscribe", {"Authorization": f"Bearer {token}"}
    ) as events:
        [ended] = await take(events, 1)
    assert ended == {"event": "end", "data": {"reason": "token expired"}}


async def test_direct_messages_arrive_live_on_the_inbox_stream(
    nodes: Nodes, alice: User, bob: User
) -> None:
    async with sse_events(f"{nodes.a}/me/subscribe", bob.headers) as events:
        sent = await send_direct(nodes.b, bob, alice, "psst")
        [event] = await take(events, 1)
    assert event["data"] == sent


async def ws_frames(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(n)]


def ws_url(base: str, path: str, user: User) -> str:
    return base.replace("http://", "ws://") + f"{path}?access_token={user.token}"


async def test_a_websocket_on_the_subscribe_path_gets_messages_from_the_other_node(
    nodes: Nodes, alice: User, bob: User
) -> None:
    async with connect(ws_url(nodes.a, f"/room/{nodes.room_id}/subscribe", alice)) as ws:
        [subscribed] = await ws_frames(ws, 1)
        assert subscribed == {"type": "subscribed", "stream": f"room:{nodes.room_id}", "after": 0}
        posted = [await post(nodes.b, nodes.room_id, bob, f"w{n}") for n in range(3)]
        frames = await ws_frames(ws, 3)
    assert [f["message"]["id"] for f in frames] == [m["id"] for m in posted]


async def test_one_socket_carries_rooms_and_the_inbox(nodes: Nodes, alice: User, bob: User) -> None:
    async with connect(ws_url(nodes.a, "/ws", alice)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "room": nodes.room_id}))
        await ws.send(json.dumps({"type": "subscribe", "inbox": True}))
        subscribed = await ws_frames(ws, 2)
        assert {f["stream"] for f in subscribed} == {f"room:{nodes.room_id}", "inbox"}
        await post(nodes.b, nodes.room_id, bob, "to the room")
        await send_direct(nodes.b, alice, bob, "to alice")
        frames = await ws_frames(ws, 2)
        assert sorted(f["message"]["text"] for f in frames) == ["to alice", "to the room"]
        await ws.send(json.dumps({"type": "unsubscribe", "room": nodes.room_id}))
        await asyncio.sleep(0.3)
        await post(nodes.b, nodes.room_id, bob, "not for alice any more")
        await send_direct(nodes.b, alice, bob, "still inbox")
        [frame] = await ws_frames(ws, 1)
        assert frame["message"]["text"] == "still inbox"
        await ws.send(json.dumps({"type": "subscribe", "room": str(uuid.uuid4())}))
        [error] = await ws_frames(ws, 1)
        assert (error["type"], error["status"]) == ("error", 404)
        await ws.send("not json")
        [bad] = await ws_frames(ws, 1)
        assert (bad["type"], bad["status"]) == ("error", 400)


async def test_signing_out_ends_a_websocket_with_a_reason_and_code_4000(
    nodes: Nodes, tokens: TestTokens, infra_urls: InfraUrls
) -> None:
    session_id = uuid.uuid4()
    token = tokens.token(sid=str(session_id))
    url = nodes.a.replace("http://", "ws://") + f"/ws?access_token={token}"
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "room": nodes.room_id}))
        [subscribed] = await ws_frames(ws, 1)
        assert subscribed["type"] == "subscribed"
        await announce_sign_out(infra_urls.nats, session_id)
        [ended] = await ws_frames(ws, 1)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert ended == {"type": "end", "reason": "signed out"}
    assert ws.close_code == 4000


async def test_a_websocket_without_a_token_is_refused(nodes: Nodes) -> None:
    with pytest.raises(InvalidStatus, match=r"403"):
        async with connect(nodes.a.replace("http://", "ws://") + "/ws") as ws:
            await ws.recv()


async def test_a_plain_get_of_subscribe_says_how_with_202(nodes: Nodes, alice: User) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{nodes.a}/room/{nodes.room_id}/subscribe", headers=alice.headers
        )
        unknown = await client.get(
            f"{nodes.a}/room/{uuid.uuid4()}/subscribe",
            headers={**alice.headers, "Accept": "text/event-stream"},
        )
    assert response.status_code == 202
    assert response.json()["websocket"].startswith("ws://")
    assert unknown.status_code == 404


async def test_a_client_that_falls_behind_is_ended_with_a_reason(tokens: TestTokens) -> None:
    async def no_backlog(*_: Any) -> list[dict[str, Any]]:
        return []

    stream = StreamKey(kind="room", id=uuid.uuid4())
    caller = await tokens.verify(tokens.token())
    subscriber = Subscriber(caller=caller, backlog=no_backlog, queue_size=3)
    await subscriber.catch_up(stream, 0)
    for seq in range(1, 5):
        subscriber.offer((stream, {"seq": seq}))
    with pytest.raises(StreamEnded, match="too slow"):
        await subscriber.next()
