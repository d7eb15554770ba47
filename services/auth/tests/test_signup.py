"""POST /auth/signup: accounts are created, and bad input is refused with nothing stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.accounts.models import User
from auth.config import Settings
from auth.main import create_app
from switchkit.db import Database
from switchkit.testing import InfraUrls
from switchkit.testing.plugin import ServeApp
from tests.conftest import PASSWORD, unique_name

PROBLEM = "application/problem+json"


async def count_users(session: AsyncSession, username: str) -> int:
    query = select(func.count()).where(func.lower(User.username) == username.lower())
    return int((await session.execute(query)).scalar_one())


async def test_signup_creates_a_user_with_the_user_role(api: httpx.AsyncClient) -> None:
    username = unique_name()
    response = await api.post(
        "/auth/signup",
        json={"username": username, "password": PASSWORD, "displayName": "  Ada L.  "},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == username
    assert body["displayName"] == "Ada L."
    assert body["roles"] == ["user"]
    assert "password" not in response.text
    assert "Hash" not in response.text
    assert response.headers["location"] == f"http://testserver/auth/users/{body['id']}"


async def test_the_password_is_stored_as_an_argon2id_hash(
    api: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    username = unique_name()
    await api.post("/auth/signup", json={"username": username, "password": PASSWORD})
    user = (await db_session.execute(select(User).where(User.username == username))).scalar_one()
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in user.password_hash


async def test_a_taken_username_is_a_409_whatever_its_case(
    api: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    username = unique_name()
    first = await api.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert first.status_code == 201
    again = await api.post(
        "/auth/signup", json={"username": username.upper(), "password": PASSWORD}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["status"] == 409
    assert await count_users(db_session, username) == 1


async def test_concurrent_sign_ups_of_one_name_make_one_user_and_409s(
    serve: ServeApp, settings_for: Callable[..., Settings], infra_urls: InfraUrls
) -> None:
    username = unique_name()
    spellings = [username, username.upper(), username.capitalize()] * 2
    database = Database(infra_urls.database)
    try:
        # Its own connection pool, so that the sign-ups really run at the same time.
        async with serve(create_app(settings_for()), committed=True) as api:
            responses = await asyncio.gather(
                *(
                    api.post("/auth/signup", json={"username": name, "password": PASSWORD})
                    for name in spellings
                )
            )
        assert sorted(r.status_code for r in responses) == [201] + [409] * 5
        conflicts = [r for r in responses if r.status_code == 409]
        assert {r.headers["content-type"] for r in conflicts} == {PROBLEM}
        async with database.sessions() as session:
            assert await count_users(session, username) == 1
    finally:
        async with database.sessions.begin() as session:
            await session.execute(delete(User).where(func.lower(User.username) == username))
        await database.dispose()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "must be at least 10 characters"),
        ("x" * 129 + "abc", "must be at most 128 characters"),
        ("password123", "is too common"),
        ("aaaaaaaaaaaaaa", "must use more than a few different characters"),
    ],
)
async def test_a_weak_password_is_a_400_naming_the_password(
    api: httpx.AsyncClient, db_session: AsyncSession, password: str, message: str
) -> None:
    username = unique_name()
    response = await api.post("/auth/signup", json={"username": username, "password": password})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert {"field": "password", "message": message} in errors
    assert await count_users(db_session, username) == 0


async def test_a_password_containing_the_username_is_refused(api: httpx.AsyncClient) -> None:
    username = unique_name()
    response = await api.post(
        "/auth/signup", json={"username": username, "password": f"my-{username}-pass"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "password", "message": "must not contain the username"}
    ]


@pytest.mark.parametrize(
    "username", ["ab", "x" * 33, "_leading", "has space", "semi;colon", "émile", ""]
)
async def test_a_bad_username_is_a_400_naming_the_username(
    api: httpx.AsyncClient, username: str
) -> None:
    response = await api.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["username"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"password": PASSWORD}, ["username"]),
        ({"username": "someone"}, ["password"]),
        ({"username": "someone", "password": PASSWORD, "isAdmin": True}, ["isAdmin"]),
        ({"username": "someone", "password": PASSWORD, "roles": ["admin"]}, ["roles"]),
        ({"username": 12345, "password": PASSWORD}, ["username"]),
        ({"username": "someone", "password": PASSWORD, "displayName": " "}, ["displayName"]),
        ({"username": "someone", "password": PASSWORD, "displayName": "d" * 65}, ["displayName"]),
        ([], ["body"]),
    ],
)
async def test_a_malformed_body_is_a_400_naming_each_field(
    api: httpx.AsyncClient, db_session: AsyncSession, body: Any, fields: list[str]
) -> None:
    response = await api.post("/auth/signup", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "https://switchboard.dev/problems/validation"
    assert problem["instance"] == "/auth/signup"
    assert [e["field"] for e in problem["errors"]] == fields
    assert await count_users(db_session, "someone") == 0


async def test_a_body_that_is_not_json_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/signup", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "is not valid JSON"}]


async def test_an_empty_body_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/signup", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message": "is required"}]


async def test_a_body_of_another_content_type_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/signup",
        content=f'{{"username": "someone", "password": "{PASSWORD}"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


async def test_an_oversized_body_is_a_400_problem(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/auth/signup",
        content=b'{"username": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "body", "message": "must be at most 65536 bytes"}
    ]
