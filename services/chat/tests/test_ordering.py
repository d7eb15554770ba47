"""Concurrent posters get strictly increasing seqs without gaps; a retried send is stored once;
concurrent creators of one room name make one room."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from chat.direct.models import DirectMessage, Inbox
from chat.rooms.models import Room
from switchkit.db import Database
from switchkit.testing import InfraUrls
from switchkit.testing.plugin import ServeApp
from tests.conftest import User


@pytest.fixture
async def committed(
    serve: ServeApp, make_app: Callable[[], Any], infra_urls: InfraUrls
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on its own connection pool, so requests really run at the same time."""
    async with serve(make_app(), committed=True) as client:
        yield client
    database = Database(infra_urls.database)
    async with database.sessions.begin() as session:
        await session.execute(delete(Room).where(Room.name.like("race-%")))
    await database.dispose()


async def test_concurrent_posters_get_seqs_1_to_n(
    committed: httpx.AsyncClient, new_user: Callable[[str], User]
) -> None:
    users = [new_user(f"u{n}") for n in range(5)]
    room = (
        await committed.post("/rooms", json={"name": "race-seq"}, headers=users[0].headers)
    ).json()
    url = f"/room/{room['roomId']}/messages"
    responses = await asyncio.gather(
        *(
            committed.post(url, json={"text": f"m{n}"}, headers=users[n % 5].headers)
            for n in range(20)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert sorted(r.json()["seq"] for r in responses) == list(range(1, 21))
    history = (await committed.get(f"{url}?limit=50", headers=users[0].headers)).json()
    assert [m["seq"] for m in history] == list(range(1, 21))


async def test_a_concurrent_retry_storm_stores_one_message(
    committed: httpx.AsyncClient, alice: User
) -> None:
    room = (
        await committed.post("/rooms", json={"name": "race-idem"}, headers=alice.headers)
    ).json()
    url = f"/room/{room['roomId']}/messages"
    body = {"text": "exactly once", "clientMessageId": "retry-storm"}
    responses = await asyncio.gather(
        *(committed.post(url, json=body, headers=alice.headers) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    history = (await committed.get(url, headers=alice.headers)).json()
    assert [m["seq"] for m in history] == [1]


async def test_concurrent_creators_of_one_name_make_one_room_and_409s_naming_it(
    committed: httpx.AsyncClient, new_user: Callable[[str], User]
) -> None:
    users = [new_user(f"c{n}") for n in range(6)]
    responses = await asyncio.gather(
        *(
            committed.post(
                "/rooms", json={"name": "race-Name" if n % 2 else "race-NAME"}, headers=user.headers
            )
            for n, user in enumerate(users)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    room = next(r for r in responses if r.status_code == 201).json()
    conflicts = [r for r in responses if r.status_code == 409]
    assert {r.headers["content-type"] for r in conflicts} == {"application/problem+json"}
    assert {r.json()["existingRoomId"] for r in conflicts} == {room["roomId"]}
    listed = (await committed.get("/rooms", headers=users[0].headers)).json()
    assert [r["roomId"] for r in listed if r["name"].lower() == "race-name"] == [room["roomId"]]


async def test_concurrent_direct_messages_fill_the_inbox_in_order(
    committed: httpx.AsyncClient, new_user: Callable[[str], User], infra_urls: InfraUrls
) -> None:
    target = new_user("target")
    senders = [new_user(f"s{n}") for n in range(4)]
    try:
        responses = await asyncio.gather(
            *(
                committed.post(
                    f"/users/{target.id}/messages",
                    json={"text": str(n)},
                    headers=senders[n % 4].headers,
                )
                for n in range(12)
            )
        )
        assert sorted(r.json()["seq"] for r in responses) == list(range(1, 13))
    finally:
        database = Database(infra_urls.database)
        async with database.sessions.begin() as session:
            await session.execute(
                delete(DirectMessage).where(DirectMessage.to_user_id == target.id)
            )
            await session.execute(delete(Inbox).where(Inbox.user_id == target.id))
        await database.dispose()
