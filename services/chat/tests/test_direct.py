"""Direct messages: an inbox per user, its own seq, only for existing users."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from tests.conftest import KnownUsers, User


async def test_a_direct_message_lands_in_the_recipients_inbox(
    api: httpx.AsyncClient, alice: User, bob: User
) -> None:
    response = await api.post(
        f"/users/{bob.id}/messages", json={"text": "hi bob"}, headers=alice.headers
    )
    assert response.status_code == 201
    message = response.json()
    assert (message["toUserId"], message["seq"]) == (str(bob.id), 1)
    assert message["roomId"] is None
    assert message["author"] == {"id": str(alice.id), "username": "alice"}
    inbox = (await api.get("/me/messages", headers=bob.headers)).json()
    assert inbox == [message]
    assert (await api.get("/me/messages", headers=alice.headers)).json() == []
    assert (await api.get(response.headers["location"], headers=alice.headers)).json() == message


async def test_each_inbox_counts_on_its_own(
    api: httpx.AsyncClient, alice: User, bob: User, new_user: Callable[[str], User]
) -> None:
    carol = new_user("carol")
    for sender in (alice, carol, alice):
        await api.post(f"/users/{bob.id}/messages", json={"text": "x"}, headers=sender.headers)
    await api.post(f"/users/{alice.id}/messages", json={"text": "y"}, headers=bob.headers)
    assert [m["seq"] for m in (await api.get("/me/messages", headers=bob.headers)).json()] == [
        1,
        2,
        3,
    ]
    assert [m["seq"] for m in (await api.get("/me/messages", headers=alice.headers)).json()] == [1]
    only_alice = await api.get(f"/me/messages?with={alice.id}", headers=bob.headers)
    assert [m["seq"] for m in only_alice.json()] == [1, 3]


async def test_an_unknown_recipient_is_a_404(api: httpx.AsyncClient, alice: User) -> None:
    response = await api.post(
        f"/users/{uuid.uuid4()}/messages", json={"text": "anyone?"}, headers=alice.headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_known_recipients_are_remembered(
    api: httpx.AsyncClient, alice: User, bob: User, known_users: KnownUsers
) -> None:
    for _ in range(3):
        await api.post(f"/users/{bob.id}/messages", json={"text": "x"}, headers=alice.headers)
    assert known_users.asked == 1


async def test_a_retried_direct_message_is_not_delivered_twice(
    api: httpx.AsyncClient, alice: User, bob: User
) -> None:
    body = {"text": "once", "clientMessageId": "dm-1"}
    first = await api.post(f"/users/{bob.id}/messages", json=body, headers=alice.headers)
    retry = await api.post(f"/users/{bob.id}/messages", json=body, headers=alice.headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert len((await api.get("/me/messages", headers=bob.headers)).json()) == 1


async def test_someone_elses_direct_message_is_not_found(
    api: httpx.AsyncClient, alice: User, bob: User, new_user: Callable[[str], User]
) -> None:
    eve = new_user("eve")
    sent = await api.post(
        f"/users/{bob.id}/messages", json={"text": "secret"}, headers=alice.headers
    )
    peek = await api.get(sent.headers["location"], headers=eve.headers)
    assert peek.status_code == 404


async def test_bad_direct_messages_are_400s(api: httpx.AsyncClient, alice: User, bob: User) -> None:
    for body in ({"text": ""}, {}, {"text": "x" * 4001}, {"text": "ok", "to": "x"}):
        response = await api.post(f"/users/{bob.id}/messages", json=body, headers=alice.headers)
        assert response.status_code == 400, body
    malformed = await api.post("/users/nope/messages", json={"text": "x"}, headers=alice.headers)
    assert malformed.status_code == 400
    assert (await api.get("/me/messages", headers=bob.headers)).json() == []
