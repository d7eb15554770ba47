"""The auth flows a new user goes through, end to end through the real Traefik gateway."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"


def _signed_in(gateway: httpx.Client) -> dict[str, Any]:
    username = f"e2e{uuid.uuid4().hex[:10]}"
    signup = gateway.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    signin = gateway.post("/auth/signin", json={"username": username, "password": PASSWORD})
    assert signin.status_code == 200, signin.text
    tokens: dict[str, Any] = signin.json()
    return {
        **tokens,
        "user": signup.json(),
        "location": signup.headers["location"],
        "headers": {"Authorization": f"Bearer {tokens['accessToken']}"},
    }


def test_signup_answers_201_with_an_absolute_location_on_the_gateway(
    gateway: httpx.Client, gateway_url: str
) -> None:
    session = _signed_in(gateway)
    assert session["location"] == f"{gateway_url}/auth/users/{session['user']['id']}"
    profile = gateway.get(session["location"], headers=session["headers"])
    assert profile.status_code == 200
    assert profile.json()["username"] == session["user"]["username"]


def test_me_with_the_token(gateway: httpx.Client) -> None:
    session = _signed_in(gateway)
    response = gateway.get("/auth/me", headers=session["headers"])
    assert response.status_code == 200
    assert response.json()["id"] == session["user"]["id"]
    assert response.headers["x-request-id"]


def test_no_token_is_a_401_problem_from_the_gateway(gateway: httpx.Client) -> None:
    response = gateway.get("/auth/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_forged_identity_headers_without_a_token_are_a_401(gateway: httpx.Client) -> None:
    forged = {"X-User-Id": str(uuid.uuid4()), "X-User-Name": "root", "X-User-Roles": "admin"}
    response = gateway.get("/auth/me", headers=forged)
    assert response.status_code == 401


def test_forged_identity_headers_beside_a_real_token_never_reach_the_service(
    gateway: httpx.Client,
) -> None:
    session = _signed_in(gateway)
    forged = {**session["headers"], "X-User-Id": str(uuid.uuid4()), "X-User-Roles": "admin"}
    response = gateway.get("/auth/me", headers=forged)
    # The gateway replaces the forged headers with the token's identity.
    assert response.status_code == 200
    assert response.json()["id"] == session["user"]["id"]
    assert response.json()["roles"] == ["user"]


def test_after_signout_the_same_access_token_is_refused(gateway: httpx.Client) -> None:
    session = _signed_in(gateway)
    assert gateway.post("/auth/signout", headers=session["headers"]).status_code == 204
    response = gateway.get("/auth/me", headers=session["headers"])
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    refresh = gateway.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert refresh.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(gateway: httpx.Client) -> None:
    session = _signed_in(gateway)
    rotated = gateway.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert rotated.status_code == 200
    new = rotated.json()
    new_headers = {"Authorization": f"Bearer {new['accessToken']}"}
    assert gateway.get("/auth/me", headers=new_headers).status_code == 200

    reuse = gateway.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert reuse.status_code == 401
    assert (
        gateway.post("/auth/refresh", json={"refreshToken": new["refreshToken"]}).status_code == 401
    )
    assert gateway.get("/auth/me", headers=new_headers).status_code == 401


def test_a_burst_of_wrong_passwords_is_throttled(gateway: httpx.Client) -> None:
    session = _signed_in(gateway)
    bad = {"username": session["user"]["username"], "password": "not the password"}
    statuses = [gateway.post("/auth/signin", json=bad).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    throttled = gateway.post("/auth/signin", json=bad)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


def test_the_token_in_the_query_string_works_for_browsers(gateway: httpx.Client) -> None:
    session = _signed_in(gateway)
    response = gateway.get("/auth/me", params={"access_token": session["accessToken"]})
    assert response.status_code == 200
    assert response.json()["id"] == session["user"]["id"]


def test_the_jwks_is_public_through_the_gateway(gateway: httpx.Client) -> None:
    response = gateway.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json()["keys"][0]["alg"] == "EdDSA"


def test_bad_input_is_a_400_problem_through_the_gateway(gateway: httpx.Client) -> None:
    response = gateway.post("/auth/signup", json={"username": "x", "password": "short"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} == {"username"}
