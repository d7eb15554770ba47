"""POST /auth/signin: tokens for good credentials, one answer for every bad one, throttling."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest

from auth.accounts import passwords
from tests.conftest import PASSWORD, SignUp, unique_name


async def test_signin_returns_a_token_pair(api: httpx.AsyncClient, sign_up: SignUp) -> None:
    user = await sign_up()
    response = await api.post(
        "/auth/signin", json={"username": user["username"], "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "tokenType", "expiresIn"}
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == 900


async def test_the_access_token_is_an_eddsa_jwt_verifiable_with_the_jwks(
    api: httpx.AsyncClient, sign_up: SignUp
) -> None:
    user = await sign_up()
    tokens = (
        await api.post("/auth/signin", json={"username": user["username"], "password": PASSWORD})
    ).json()
    jwks = (await api.get("/auth/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(tokens["accessToken"])
    assert header["alg"] == "EdDSA"
    [key] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    claims = jwt.decode(
        tokens["accessToken"],
        key=jwt.PyJWK(key).key,
        algorithms=["EdDSA"],
        audience="switchboard",
        issuer="switchboard-auth",
    )
    assert claims["sub"] == user["id"]
    assert claims["name"] == user["username"]
    assert claims["roles"] == ["user"]
    assert uuid.UUID(claims["sid"])
    assert len(claims["jti"]) == 32
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 5


async def test_the_jwks_is_public_and_cacheable(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    [key] = response.json()["keys"]
    assert (key["kty"], key["crv"], key["use"]) == ("OKP", "Ed25519", "sig")
    assert "d" not in key, "the private part must never be published"


async def test_the_username_is_case_insensitive_at_signin(
    api: httpx.AsyncClient, sign_up: SignUp
) -> None:
    user = await sign_up()
    response = await api.post(
        "/auth/signin", json={"username": user["username"].upper(), "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_wrong_password_and_unknown_user_get_the_same_401(
    api: httpx.AsyncClient, sign_up: SignUp
) -> None:
    user = await sign_up()
    wrong = await api.post(
        "/auth/signin", json={"username": user["username"], "password": "not the password"}
    )
    unknown = await api.post(
        "/auth/signin", json={"username": unique_name("ghost"), "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    strip = ("instance",)
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    assert wrong.json()["detail"] == "The username or password is wrong."


async def test_an_unknown_user_costs_an_argon2_verification_like_a_wrong_password(
    api: httpx.AsyncClient, sign_up: SignUp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counted rather than timed: the same work is what makes the timing the same.
    user = await sign_up()
    verified: list[str] = []
    real = passwords._hasher

    class CountingHasher:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, password_hash: str, password: str) -> bool:
            verified.append(password_hash.split("$")[1])
            return real.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    bad = "not the password"
    await api.post("/auth/signin", json={"username": user["username"], "password": bad})
    await api.post("/auth/signin", json={"username": unique_name("ghost"), "password": bad})
    assert verified == ["argon2id", "argon2id"]


async def test_repeated_failures_are_throttled_with_429_and_retry_after(
    api: httpx.AsyncClient, sign_up: SignUp
) -> None:
    user = await sign_up()
    bad = {"username": user["username"], "password": "not the password"}
    statuses = [(await api.post("/auth/signin", json=bad)).status_code for _ in range(5)]
    assert statuses == [401] * 5
    throttled = await api.post("/auth/signin", json=bad)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    # The 15-minute window opened with the first failure, seconds ago.
    assert 890 <= int(throttled.headers["retry-after"]) <= 900
    # Even the right password is refused while throttled: guessing gains nothing.
    right = await api.post(
        "/auth/signin", json={"username": user["username"], "password": PASSWORD}
    )
    assert right.status_code == 429


async def test_the_throttle_is_per_client(api: httpx.AsyncClient, sign_up: SignUp) -> None:
    user = await sign_up()
    bad = {"username": user["username"], "password": "not the password"}
    for _ in range(6):
        await api.post("/auth/signin", json=bad)
    other_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api._transport.app, client=("203.0.113.9", 4000)),  # type: ignore[attr-defined]
        base_url="http://testserver",
    )
    async with other_client:
        response = await other_client.post(
            "/auth/signin", json={"username": user["username"], "password": PASSWORD}
        )
    assert response.status_code == 200


async def test_a_successful_signin_resets_the_failure_count(
    api: httpx.AsyncClient, sign_up: SignUp
) -> None:
    user = await sign_up()
    bad = {"username": user["username"], "password": "not the password"}
    good = {"username": user["username"], "password": PASSWORD}
    for _ in range(4):
        await api.post("/auth/signin", json=bad)
    assert (await api.post("/auth/signin", json=good)).status_code == 200
    for _ in range(4):
        assert (await api.post("/auth/signin", json=bad)).status_code == 401


async def test_signin_with_missing_fields_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/signin", json={"username": "someone"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["password"]
