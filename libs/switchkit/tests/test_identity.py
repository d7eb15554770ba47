"""Services verify tokens against the auth service's JWKS; headers alone prove nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.requests import Request

from switchkit import identity as identity_module
from switchkit.identity import Identity, JwksTokenVerifier, VerifiedTokens, bearer_token
from switchkit.problems import ServiceUnavailable, Unauthorized
from switchkit.testing import TestTokens

ISSUER, AUDIENCE = "switchboard-auth", "switchboard"


def _token(key: Ed25519PrivateKey, kid: str, **claims: Any) -> str:
    return TestTokens(key=key, kid=kid).token(**claims)


class FakeAuthService:
    """Serves a JWKS and counts how often it is asked (a fake: this is a unit test)."""

    def __init__(self, keys: dict[str, Ed25519PrivateKey]) -> None:
        self.keys = keys
        self.requests = 0
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            return httpx.Response(503)
        keys = [TestTokens(key=k, kid=kid).jwks()["keys"][0] for kid, k in self.keys.items()]
        return httpx.Response(200, json={"keys": keys})

    def verifier(self, min_refresh_seconds: float = 30.0) -> JwksTokenVerifier:
        return JwksTokenVerifier(
            jwks_url="http://auth/jwks.json",
            issuer=ISSUER,
            audience=AUDIENCE,
            client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)),
            min_refresh_seconds=min_refresh_seconds,
        )


async def test_a_valid_token_yields_its_identity() -> None:
    key = Ed25519PrivateKey.generate()
    auth = FakeAuthService({"k1": key})
    user_id = uuid.uuid4()
    identity = await auth.verifier().verify(
        _token(key, "k1", sub=str(user_id), roles=["user", "supervisor"])
    )
    assert identity.user_id == user_id
    assert identity.roles == {"user", "supervisor"}
    assert identity.username == "tester"


async def test_keys_are_cached() -> None:
    key = Ed25519PrivateKey.generate()
    auth = FakeAuthService({"k1": key})
    verifier = auth.verifier()
    for _ in range(5):
        await verifier.verify(_token(key, "k1"))
    assert auth.requests == 1


async def test_a_rotated_key_is_fetched_once_it_appears() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    auth = FakeAuthService({"old": old})
    verifier = auth.verifier(min_refresh_seconds=0)
    await verifier.verify(_token(old, "old"))
    auth.keys["new"] = new
    await verifier.verify(_token(new, "new"))
    assert auth.requests == 2


async def test_unknown_kids_cannot_flood_the_auth_service() -> None:
    key = Ed25519PrivateKey.generate()
    auth = FakeAuthService({"k1": key})
    verifier = auth.verifier(min_refresh_seconds=60)
    await verifier.verify(_token(key, "k1"))
    forger = Ed25519PrivateKey.generate()
    for n in range(10):
        with pytest.raises(Unauthorized):
            await verifier.verify(_token(forger, f"forged-{n}"))
    assert auth.requests == 1


async def test_a_token_signed_by_an_impostor_under_a_known_kid_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = FakeAuthService({"k1": key}).verifier()
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(Ed25519PrivateKey.generate(), "k1"))


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "someone-else"},
        {"aud": "another-audience"},
        {"exp": int(time.time()) - 10},
        {"sub": "not-a-uuid"},
    ],
)
async def test_wrong_claims_are_refused(claims: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.generate()
    verifier = FakeAuthService({"k1": key}).verifier()
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(key, "k1", **claims))


async def test_an_unreachable_jwks_is_a_503_not_a_401() -> None:
    key = Ed25519PrivateKey.generate()
    auth = FakeAuthService({"k1": key})
    auth.down = True
    with pytest.raises(ServiceUnavailable):
        await auth.verifier().verify(_token(key, "k1"))


async def test_a_token_checked_once_is_not_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = Ed25519PrivateKey.generate()
    verifier = FakeAuthService({"k1": key}).verifier()
    token = _token(key, "k1")
    first = await verifier.verify(token)
    checks = 0
    real_decode = identity_module.decode_claims

    def counting_decode(*args: Any, **kwargs: Any) -> Identity:
        nonlocal checks
        checks += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(identity_module, "decode_claims", counting_decode)
    assert await verifier.verify(token) is first
    assert checks == 0


async def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    verifier = FakeAuthService({"k1": key}).verifier()
    token = _token(key, "k1", exp=int(time.time()) + 60)
    await verifier.verify(token)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)


async def test_a_remembered_token_changed_by_one_byte_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = FakeAuthService({"k1": key}).verifier()
    token = _token(key, "k1")
    await verifier.verify(token)
    last = "A" if token[-1] != "A" else "B"
    with pytest.raises(Unauthorized):
        await verifier.verify(token[:-1] + last)


async def test_a_withdrawn_key_stops_vouching_for_remembered_tokens() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    auth = FakeAuthService({"old": old})
    verifier = auth.verifier(min_refresh_seconds=0)
    token = _token(old, "old")
    await verifier.verify(token)
    auth.keys = {"new": new}
    await verifier.verify(_token(new, "new"))  # an unknown kid: the set is fetched again
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(token)


def test_the_memo_forgets_its_oldest_entries_when_full() -> None:
    memo = VerifiedTokens(max_entries=2)
    identities = {
        name: Identity(
            user_id=uuid.uuid4(),
            username=name,
            roles=frozenset(),
            token_id=name,
            expires_at=int(time.time()) + 60,
        )
        for name in ("a", "b", "c")
    }
    for name, identity in identities.items():
        memo.put(name, identity)
    assert memo.get("a") is None
    assert memo.get("b") is identities["b"]
    assert memo.get("c") is identities["c"]


def _request(headers: dict[str, str], query: str = "") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query.encode(),
        "headers": Headers(headers).raw,
    }
    return Request(scope)


def test_the_token_comes_from_the_bearer_header() -> None:
    assert bearer_token(_request({"Authorization": "Bearer abc"})) == "abc"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, "access_token=a&access_token=b"),
        ({}, "access_token=a&access_token=a"),
        ({"X-Forwarded-Uri": "/dids?access_token=a&access_token=b"}, ""),
        ({"Authorization": "Bearer a"}, "access_token=b"),
        ({"Authorization": "Bearer a", "X-Forwarded-Uri": "/x?access_token=b"}, ""),
        ({"X-Forwarded-Uri": "/x?access_token=b"}, "access_token=a"),
    ],
)
def test_a_token_named_more_than_once_is_refused(headers: dict[str, str], query: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(_request(headers, query))
    assert refused.value.status == 401
    assert refused.value.detail == "Send the access token once."


def test_the_token_can_come_from_the_query_or_the_forwarded_uri() -> None:
    assert bearer_token(_request({}, "access_token=q1")) == "q1"
    assert bearer_token(_request({"X-Forwarded-Uri": "/room/1/subscribe?access_token=f1"})) == "f1"
    assert bearer_token(_request({})) is None
    assert bearer_token(_request({"Authorization": "Basic abc"})) is None


async def test_routes_check_the_token_and_roles(kit_app: FastAPI) -> None:
    key = Ed25519PrivateKey.generate()
    kit_app.state.token_verifier = FakeAuthService({"k1": key}).verifier()
    transport = httpx.ASGITransport(app=kit_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        user_token = _token(key, "k1", roles=["user"])
        headers = {"Authorization": f"Bearer {user_token}"}
        assert (await client.get("/whoami", headers=headers)).status_code == 200
        assert (await client.get("/admin-only", headers=headers)).status_code == 403
        admin = {"Authorization": f"Bearer {_token(key, 'k1', roles=['admin'])}"}
        assert (await client.get("/admin-only", headers=admin)).status_code == 200
        forged = {"X-User-Id": str(uuid.uuid4()), "X-User-Roles": "admin"}
        assert (await client.get("/admin-only", headers=forged)).status_code == 401
        mismatch = {**headers, "X-User-Id": str(uuid.uuid4())}
        assert (await client.get("/whoami", headers=mismatch)).status_code == 401
