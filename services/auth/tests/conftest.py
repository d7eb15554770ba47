"""Fixtures of the auth service tests: the app on real Postgres, Redis and NATS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from auth.accounts import service as accounts
from auth.config import Settings
from auth.main import create_app
from auth.sessions.keys import generate_private_key_pem
from switchkit.testing import InfraUrls, ServiceUnderTest, settings_for_tests
from switchkit.testing.plugin import ServeApp

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of(Settings)


@pytest.fixture(scope="session")
def signing_key_pem() -> bytes:
    return generate_private_key_pem()


@pytest.fixture
def settings_for(infra_urls: InfraUrls, signing_key_pem: bytes) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        return settings_for_tests(
            Settings,
            infra_urls,
            **{"jwt_private_key": SecretStr(signing_key_pem.decode()), **overrides},
        )

    return build


@pytest.fixture
async def api(
    serve: ServeApp, settings_for: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(settings_for())) as client:
        yield client


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


SignUp = Callable[..., Awaitable[dict[str, Any]]]
SignIn = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def sign_up(api: httpx.AsyncClient) -> SignUp:
    async def sign_up(username: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        response = await api.post(
            "/auth/signup", json={"username": username or unique_name(), "password": password}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return sign_up


@pytest.fixture
def sign_in(api: httpx.AsyncClient, sign_up: SignUp) -> SignIn:
    """Signs a new user up and in; returns the token pair plus `user` and `headers`."""

    async def sign_in(username: str | None = None) -> dict[str, Any]:
        user = await sign_up(username)
        response = await api.post(
            "/auth/signin", json={"username": user["username"], "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return {
            **tokens,
            "user": user,
            "headers": {"Authorization": f"Bearer {tokens['accessToken']}"},
        }

    return sign_in


@pytest.fixture
def foreign_key() -> Ed25519PrivateKey:
    """A key the service does not know: tokens it signs must be refused."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
async def admin(api: httpx.AsyncClient, db_session: Any) -> dict[str, Any]:
    """An admin, created the way the CLI does it, signed in."""
    username = unique_name("admin")
    user = await accounts.ensure_admin(session=db_session, username=username, password=PASSWORD)
    await db_session.commit()
    response = await api.post("/auth/signin", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens = response.json()
    return {
        "id": str(user.id),
        "username": username,
        "headers": {"Authorization": f"Bearer {tokens['accessToken']}"},
    }
