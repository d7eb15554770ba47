"""GET /auth/verify, the gateway's ForwardAuth check, and token checks on protected routes."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.sessions.keys import SigningKey
from switchkit.testing import TestTokens
from tests.conftest import SignIn


async def test_a_valid_token_yields_the_identity_headers(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    response = await api.get("/auth/verify", headers=session["headers"])
    assert response.status_code == 200
    assert response.headers["x-user-id"] == session["user"]["id"]
    assert response.headers["x-user-name"] == session["user"]["username"]
    assert response.headers["x-user-roles"] == "user"


async def test_the_token_can_come_from_the_forwarded_uri(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    uri = f"/room/42/subscribe?after=3&access_token={session['accessToken']}"
    response = await api.get("/auth/verify", headers={"X-Forwarded-Uri": uri})
    assert response.status_code == 200
    assert response.headers["x-user-id"] == session["user"]["id"]


async def test_no_token_is_a_401_problem_with_a_challenge(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/verify")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="switchboard"'
    assert "x-user-id" not in response.headers


async def test_another_scheme_is_a_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/me", headers={"Authorization": "Basic YWRhOnB3"})
    assert response.status_code == 401
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_a_garbage_token_is_a_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/verify", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def _claims(**overrides: object) -> dict[str, object]:
    return TestTokens().claims(name="mallory", roles=["admin"], **overrides)


async def test_a_token_signed_by_another_key_is_a_401(
    api: httpx.AsyncClient, foreign_key: Ed25519PrivateKey
) -> None:
    jwks = (await api.get("/auth/.well-known/jwks.json")).json()
    kid = jwks["keys"][0]["kid"]
    forged = jwt.encode(_claims(), foreign_key, algorithm="EdDSA", headers={"kid": kid})
    response = await api.get("/auth/verify", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_an_unsigned_token_is_a_401(api: httpx.AsyncClient) -> None:
    forged = jwt.encode(_claims(), key="", algorithm="none")
    response = await api.get("/auth/verify", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_an_expired_token_is_a_401(api: httpx.AsyncClient, signing_key_pem: bytes) -> None:
    key = SigningKey.from_pem(signing_key_pem)
    expired = jwt.encode(
        _claims(iat=int(time.time()) - 2000, exp=int(time.time()) - 1000),
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid},
    )
    response = await api.get("/auth/verify", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "The access token has expired."


async def test_a_token_for_another_audience_is_a_401(
    api: httpx.AsyncClient, signing_key_pem: bytes
) -> None:
    key = SigningKey.from_pem(signing_key_pem)
    token = jwt.encode(
        _claims(aud="elsewhere"), key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
    )
    response = await api.get("/auth/verify", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_forged_user_header_that_disagrees_with_the_token_is_a_401(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    forged = {**session["headers"], "X-User-Id": str(uuid.uuid4())}
    response = await api.get("/auth/me", headers=forged)
    assert response.status_code == 401


async def test_a_forged_user_header_without_a_token_is_a_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/me", headers={"X-User-Id": str(uuid.uuid4())})
    assert response.status_code == 401


async def test_a_cors_preflight_passes_without_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get(
        "/auth/verify",
        headers={"X-Forwarded-Method": "OPTIONS", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert "x-user-id" not in response.headers


async def test_an_options_request_without_preflight_headers_still_needs_a_token(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/auth/verify", headers={"X-Forwarded-Method": "OPTIONS"})
    assert response.status_code == 401
