"""Fixtures of the chat service tests: the app on real Postgres and NATS, test tokens.

The auth service is stood in for by an httpx transport that answers `GET /auth/users/{id}`
as auth does (200 for a known user, 404 otherwise); the end-to-end tests use the real one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from chat.config import Settings
from chat.direct.directory import UserDirectory
from chat.direct.models import DirectMessage, Inbox
from chat.main import create_app
from chat.rooms.models import Room
from switchkit.testing import ServiceUnderTest, TestTokens
from switchkit.testing.plugin import ServeApp


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of(Settings)


class KnownUsers:
    """The users the stand-in auth service knows."""

    def __init__(self) -> None:
        self.ids: set[uuid.UUID] = set()
        self.asked = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        user_id = uuid.UUID(request.url.path.rsplit("/", 1)[1])
        if user_id in self.ids:
            return httpx.Response(200, json={"id": str(user_id), "username": "u"})
        return httpx.Response(404, json={"status": 404})

    def directory(self) -> UserDirectory:
        transport = httpx.MockTransport(self.handler)
        return UserDirectory(
            auth_url="http://auth.test", client=httpx.AsyncClient(transport=transport)
        )


@pytest.fixture
def known_users() -> KnownUsers:
    return KnownUsers()


@pytest.fixture
def make_app(
    settings_for: Callable[..., Settings], tokens: TestTokens, known_users: KnownUsers
) -> Callable[[], Any]:
    def make() -> Any:
        return create_app(
            settings_for(), token_verifier=lambda _: tokens, user_directory=known_users.directory()
        )

    return make


@pytest.fixture
async def api(
    serve: ServeApp, make_app: Callable[[], Any], db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    for table in (DirectMessage, Inbox, Room):
        await db_session.execute(delete(table))
    await db_session.commit()
    async with serve(make_app()) as client:
        yield client


class User:
    def __init__(self, tokens: TestTokens, known: KnownUsers, name: str) -> None:
        self.id = uuid.uuid4()
        self.name = name
        known.ids.add(self.id)
        self.token = tokens.token(sub=str(self.id), name=name)
        self.headers = {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def new_user(tokens: TestTokens, known_users: KnownUsers) -> Callable[[str], User]:
    def make(name: str = "someone") -> User:
        return User(tokens, known_users, name)

    return make


@pytest.fixture
def alice(new_user: Callable[[str], User]) -> User:
    return new_user("alice")


@pytest.fixture
def bob(new_user: Callable[[str], User]) -> User:
    return new_user("bob")
