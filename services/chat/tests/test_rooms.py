"""Rooms and room messages over REST: the brief's paths, status codes and rules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import User

PROBLEM = "application/problem+json"


async def make_room(api: httpx.AsyncClient, user: User, name: str = "general") -> dict[str, Any]:
    response = await api.post("/rooms", json={"name": name}, headers=user.headers)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


async def test_no_rooms_is_an_empty_array(api: httpx.AsyncClient, alice: User) -> None:
    response = await api.get("/rooms", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == []


async def test_creating_a_room_answers_201_with_an_absolute_location(
    api: httpx.AsyncClient, alice: User
) -> None:
    response = await api.post("/rooms", json={"name": "  random  "}, headers=alice.headers)
    assert response.status_code == 201
    room = response.json()
    assert set(room) == {"roomId", "name", "createdAt"}
    assert room["name"] == "random"
    assert response.headers["location"] == f"http://testserver/rooms/{room['roomId']}"
    assert (await api.get("/rooms", headers=alice.headers)).json() == [room]
    assert (await api.get(response.headers["location"], headers=alice.headers)).json() == room


async def test_a_taken_name_is_a_409_ignoring_case_and_spaces(
    api: httpx.AsyncClient, alice: User, bob: User
) -> None:
    room = await make_room(api, alice, "General")
    again = await api.post("/rooms", json={"name": " general "}, headers=bob.headers)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["existingRoomId"] == room["roomId"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 42}, "name"),
        ({}, "name"),
        ({"name": "ok", "topic": "x"}, "topic"),
    ],
)
async def test_a_bad_room_is_a_400_and_nothing_is_created(
    api: httpx.AsyncClient, alice: User, body: dict[str, Any], field: str
) -> None:
    response = await api.post("/rooms", json=body, headers=alice.headers)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.get("/rooms", headers=alice.headers)).json() == []


async def test_every_route_needs_a_token(api: httpx.AsyncClient) -> None:
    room = uuid.uuid4()
    for response in (
        await api.get("/rooms"),
        await api.post("/rooms", json={"name": "x"}),
        await api.get(f"/room/{room}/messages"),
        await api.post(f"/room/{room}/messages", json={"text": "x"}),
        await api.get("/me/messages"),
        await api.post(f"/users/{room}/messages", json={"text": "x"}),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_messages_get_consecutive_seqs_without_joining(
    api: httpx.AsyncClient, alice: User, bob: User
) -> None:
    room = await make_room(api, alice)
    url = f"/room/{room['roomId']}/messages"
    seqs = []
    for user, text in ((alice, "hi"), (bob, "hello"), (alice, "how are you?")):
        response = await api.post(url, json={"text": text}, headers=user.headers)
        assert response.status_code == 201
        message = response.json()
        assert message["roomId"] == room["roomId"]
        assert message["author"] == {"id": str(user.id), "username": user.name}
        assert response.headers["location"] == f"http://testserver{url}/{message['seq']}"
        seqs.append(message["seq"])
    assert seqs == [1, 2, 3]
    listed = (await api.get(url, headers=bob.headers)).json()
    assert [m["text"] for m in listed] == ["hi", "hello", "how are you?"]


async def test_text_is_trimmed_and_otherwise_kept_as_given(
    api: httpx.AsyncClient, alice: User
) -> None:
    room = await make_room(api, alice)
    text = "<script>alert('x')</script> & ünïcödé 🎉"
    response = await api.post(
        f"/room/{room['roomId']}/messages", json={"text": f"  {text}\n"}, headers=alice.headers
    )
    assert response.json()["text"] == text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "  \n "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"text": 7}, "text"),
        ({}, "text"),
        ({"text": "ok", "clientMessageId": ""}, "clientMessageId"),
        ({"text": "ok", "clientMessageId": "x" * 101}, "clientMessageId"),
        ({"text": "ok", "seq": 9}, "seq"),
    ],
)
async def test_a_bad_message_is_a_400_and_nothing_is_stored(
    api: httpx.AsyncClient, alice: User, body: dict[str, Any], field: str
) -> None:
    room = await make_room(api, alice)
    url = f"/room/{room['roomId']}/messages"
    response = await api.post(url, json=body, headers=alice.headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.get(url, headers=alice.headers)).json() == []


async def test_posting_to_an_unknown_room_is_a_404(api: httpx.AsyncClient, alice: User) -> None:
    response = await api.post(
        f"/room/{uuid.uuid4()}/messages", json={"text": "hi"}, headers=alice.headers
    )
    assert response.status_code == 404
    listing = await api.get(f"/room/{uuid.uuid4()}/messages", headers=alice.headers)
    assert listing.status_code == 404


async def test_a_malformed_room_id_is_a_400(api: httpx.AsyncClient, alice: User) -> None:
    response = await api.get("/room/not-a-uuid/messages", headers=alice.headers)
    assert response.status_code == 400


async def test_a_retry_with_the_same_client_message_id_returns_the_original(
    api: httpx.AsyncClient, alice: User, bob: User
) -> None:
    room = await make_room(api, alice)
    url = f"/room/{room['roomId']}/messages"
    body = {"text": "once", "clientMessageId": "c-1"}
    first = await api.post(url, json=body, headers=alice.headers)
    retry = await api.post(url, json={**body, "text": "changed?"}, headers=alice.headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    # Another author's id space is their own.
    other = await api.post(url, json=body, headers=bob.headers)
    assert other.status_code == 201
    assert [m["seq"] for m in (await api.get(url, headers=alice.headers)).json()] == [1, 2]


async def test_history_windows_by_seq(api: httpx.AsyncClient, alice: User) -> None:
    room = await make_room(api, alice)
    url = f"/room/{room['roomId']}/messages"
    for n in range(1, 8):
        await api.post(url, json={"text": f"m{n}"}, headers=alice.headers)

    async def seqs(query: str) -> list[int]:
        response = await api.get(f"{url}?{query}", headers=alice.headers)
        return [m["seq"] for m in response.json()]

    assert await seqs("limit=3") == [5, 6, 7]
    assert await seqs("after=2&limit=3") == [3, 4, 5]
    assert await seqs("before=5&limit=3") == [2, 3, 4]
    assert await seqs("after=2&before=5") == [3, 4]
    assert await seqs("after=7") == []
    newest = await api.get(f"{url}?limit=3", headers=alice.headers)
    assert "before=5" in newest.headers["link"]
    assert "after=7" in newest.headers["link"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "before=0", "after=-1", "after=x"])
async def test_bad_history_parameters_are_400s(
    api: httpx.AsyncClient, alice: User, query: str
) -> None:
    room = await make_room(api, alice)
    response = await api.get(f"/room/{room['roomId']}/messages?{query}", headers=alice.headers)
    assert response.status_code == 400
