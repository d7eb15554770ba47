"""POST /auth/signout: the session's access and refresh tokens stop at once, an event goes out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import nats
from jsonschema import Draft202012Validator, FormatChecker

from switchkit.contracts import CONTRACTS_DIR
from switchkit.testing import InfraUrls
from tests.conftest import SignIn


async def test_signout_is_a_204(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    session = await sign_in()
    response = await api.post("/auth/signout", headers=session["headers"])
    assert response.status_code == 204
    assert response.content == b""


async def test_after_signout_the_access_token_is_refused(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    await api.post("/auth/signout", headers=session["headers"])
    me = await api.get("/auth/me", headers=session["headers"])
    verify = await api.get("/auth/verify", headers=session["headers"])
    assert me.status_code == verify.status_code == 401
    assert verify.json()["detail"] == "The session has ended; sign in again."


async def test_after_signout_the_refresh_token_is_refused(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    await api.post("/auth/signout", headers=session["headers"])
    response = await api.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert response.status_code == 401


async def test_signout_ends_only_that_signin(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    session = await sign_in()
    second = await api.post(
        "/auth/signin",
        json={"username": session["user"]["username"], "password": "correct horse battery"},
    )
    other_headers = {"Authorization": f"Bearer {second.json()['accessToken']}"}
    await api.post("/auth/signout", headers=session["headers"])
    assert (await api.get("/auth/me", headers=other_headers)).status_code == 200


async def test_signout_publishes_a_revocation_event(
    api: httpx.AsyncClient, sign_in: SignIn, infra_urls: InfraUrls
) -> None:
    session = await sign_in()
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    client = await nats.connect(infra_urls.nats)

    async def on_message(message: Any) -> None:
        await received.put(json.loads(message.data))

    subscription = await client.subscribe("auth.session.revoked", cb=on_message)
    try:
        await client.flush()
        await api.post("/auth/signout", headers=session["headers"])
        while True:
            event = await asyncio.wait_for(received.get(), timeout=5)
            if event["userId"] == session["user"]["id"]:
                break
    finally:
        await subscription.unsubscribe()
        await client.drain()
    assert event["reason"] == "signout"
    schema = json.loads((CONTRACTS_DIR / "events" / "auth.session.revoked.json").read_text())
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(event)


async def test_signout_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/signout")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
