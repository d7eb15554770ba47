"""GET /auth/me, GET /auth/users/{id}, PUT /auth/users/{id}/roles and the first admin."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import delete, select

from auth.accounts import service as accounts
from auth.accounts.models import User
from auth.config import Settings
from auth.main import create_app
from switchkit.db import Database
from switchkit.testing import InfraUrls
from tests.conftest import PASSWORD, SignIn, unique_name


async def test_me_returns_the_caller(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    session = await sign_in()
    response = await api.get("/auth/me", headers=session["headers"])
    assert response.status_code == 200
    assert response.json() == session["user"]


async def test_a_users_public_profile_hides_roles(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    viewer = await sign_in()
    other = await sign_in()
    response = await api.get(f"/auth/users/{other['user']['id']}", headers=viewer["headers"])
    assert response.status_code == 200
    assert response.json() == {
        "id": other["user"]["id"],
        "username": other["user"]["username"],
        "displayName": None,
    }


async def test_an_unknown_user_is_a_404(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    viewer = await sign_in()
    response = await api.get(f"/auth/users/{uuid.uuid4()}", headers=viewer["headers"])
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_malformed_user_id_is_a_400(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    viewer = await sign_in()
    response = await api.get("/auth/users/not-a-uuid", headers=viewer["headers"])
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["user_id"]


async def test_profiles_need_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/auth/users/{uuid.uuid4()}")
    assert response.status_code == 401


async def test_an_admin_sets_roles_and_the_next_token_carries_them(
    api: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, Any]
) -> None:
    target = await sign_in()
    response = await api.put(
        f"/auth/users/{target['user']['id']}/roles",
        json={"roles": ["supervisor"]},
        headers=admin["headers"],
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["supervisor", "user"]
    refreshed = await api.post("/auth/refresh", json={"refreshToken": target["refreshToken"]})
    access = refreshed.json()["accessToken"]
    verify = await api.get("/auth/verify", headers={"Authorization": f"Bearer {access}"})
    assert verify.headers["x-user-roles"] == "supervisor,user"


async def test_a_non_admin_cannot_set_roles(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    caller = await sign_in()
    response = await api.put(
        f"/auth/users/{caller['user']['id']}/roles",
        json={"roles": ["admin"]},
        headers=caller["headers"],
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    me = await api.get("/auth/me", headers=caller["headers"])
    assert me.json()["roles"] == ["user"]


async def test_setting_roles_of_an_unknown_user_is_a_404(
    api: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await api.put(
        f"/auth/users/{uuid.uuid4()}/roles", json={"roles": ["user"]}, headers=admin["headers"]
    )
    assert response.status_code == 404


async def test_an_unknown_role_is_a_400(
    api: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, Any]
) -> None:
    target = await sign_in()
    for roles in (["superuser"], [], "admin"):
        response = await api.put(
            f"/auth/users/{target['user']['id']}/roles",
            json={"roles": roles},
            headers=admin["headers"],
        )
        assert response.status_code == 400, roles
        assert response.json()["errors"][0]["field"].startswith("roles")


async def test_an_admin_cannot_drop_their_own_admin_role(
    api: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await api.put(
        f"/auth/users/{admin['id']}/roles", json={"roles": ["user"]}, headers=admin["headers"]
    )
    assert response.status_code == 409


async def test_the_first_admin_is_created_at_startup_from_the_environment(
    serve: Callable[..., Any], settings_for: Callable[..., Settings], infra_urls: InfraUrls
) -> None:
    username = unique_name("boot")
    settings = settings_for(admin_username=username, admin_password=PASSWORD)
    database = Database(infra_urls.database)
    try:
        async with serve(create_app(settings)):
            pass
        # Start-up commits on its own connection, outside the test's transaction.
        async with database.sessions() as session:
            user = (
                await session.execute(select(User).where(User.username == username))
            ).scalar_one()
        assert user.roles == ["admin", "user"]
        assert user.password_hash.startswith("$argon2id$")
    finally:
        async with database.sessions.begin() as session:
            await session.execute(delete(User).where(User.username == username))
        await database.dispose()


async def test_two_replicas_creating_the_first_admin_at_once_both_start(
    infra_urls: InfraUrls,
) -> None:
    username = unique_name("boot")
    database = Database(infra_urls.database)

    async def start_up() -> User:
        async with database.sessions.begin() as session:
            return await accounts.ensure_admin(
                session=session, username=username, password=PASSWORD
            )

    try:
        first, second = await asyncio.gather(start_up(), start_up())
        assert first.id == second.id
        async with database.sessions() as session:
            users = (await session.execute(select(User).where(User.username == username))).scalars()
            assert [user.roles for user in users] == [["admin", "user"]]
    finally:
        async with database.sessions.begin() as session:
            await session.execute(delete(User).where(User.username == username))
        await database.dispose()


async def test_without_both_variables_no_admin_is_created(
    serve: Callable[..., Any], settings_for: Callable[..., Settings], infra_urls: InfraUrls
) -> None:
    username = unique_name("boot")
    settings = settings_for(admin_username=username)
    async with serve(create_app(settings)):
        pass
    database = Database(infra_urls.database)
    try:
        async with database.sessions() as session:
            found = await session.execute(select(User).where(User.username == username))
            assert found.scalar_one_or_none() is None
    finally:
        await database.dispose()
