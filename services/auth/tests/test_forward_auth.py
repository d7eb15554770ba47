"""GET /auth/verify, the gateway's ForwardAuth check: one lean route, every answer it gives."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import APIRoute

from auth.accounts import router as accounts
from auth.config import Settings
from auth.main import create_app
from auth.sessions import router as sessions
from auth.sessions.forward_auth import ForwardAuthRoute
from auth.sessions.keys import SigningKey
from switchkit.testing import TestTokens
from switchkit.testing.plugin import ServeApp
from tests.conftest import SignIn

DEAD_REDIS = "redis://127.0.0.1:1/0"
REVOKED = "The session has ended; sign in again."
UNREACHABLE = "Token revocation cannot be checked right now; try again shortly."


def log_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def expired_token(signing_key_pem: bytes) -> str:
    key = SigningKey.from_pem(signing_key_pem)
    now = int(time.time())
    claims = TestTokens().claims(iat=now - 2000, exp=now - 1000)
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


ORIGIN = "http://localhost:5173"
PREFLIGHT = {"X-Forwarded-Method": "OPTIONS", "Access-Control-Request-Method": "POST"}


async def checks(
    sign_in: SignIn, api: httpx.AsyncClient, signing_key_pem: bytes
) -> dict[str, tuple[dict[str, str], int, bool]]:
    """Every kind of check verify answers: its headers, its status, whether it names a user."""
    valid = await sign_in()
    revoked = await sign_in()
    await api.post("/auth/signout", headers=revoked["headers"])
    token = valid["accessToken"]
    return {
        "a valid token": (valid["headers"], 200, True),
        "a valid token from a browser": ({**valid["headers"], "Origin": ORIGIN}, 200, True),
        "the token in the forwarded uri": (
            {"X-Forwarded-Uri": f"/ws?a=1&access_token={token}"},
            200,
            True,
        ),
        "no token": ({}, 401, False),
        "no token from a browser": ({"Origin": ORIGIN}, 401, False),
        "another scheme": ({"Authorization": "Basic YWRhOnB3"}, 401, False),
        "a garbage token": ({"Authorization": "Bearer not.a.jwt"}, 401, False),
        "an expired token": (
            {"Authorization": f"Bearer {expired_token(signing_key_pem)}"},
            401,
            False,
        ),
        "a revoked token": (revoked["headers"], 401, False),
        "a cors preflight": ({**PREFLIGHT, "Origin": ORIGIN}, 200, False),
    }


async def test_every_kind_of_check_gets_its_answer_with_a_request_id_and_cors(
    api: httpx.AsyncClient, sign_in: SignIn, signing_key_pem: bytes
) -> None:
    for name, (headers, status, names_a_user) in (
        await checks(sign_in, api, signing_key_pem)
    ).items():
        response = await api.get("/auth/verify", headers=headers)
        assert response.status_code == status, name
        assert ("x-user-id" in response.headers) is names_a_user, name
        assert len(response.headers["x-request-id"]) == 32, name
        if status == 401:
            assert response.headers["content-type"] == "application/problem+json", name
            assert response.headers["www-authenticate"].startswith('Bearer realm="switchboard"')
        else:
            assert response.content == b"", name
        if "Origin" in headers:
            assert response.headers["access-control-allow-origin"] in {"*", ORIGIN}, name


def test_one_route_answers_verify_first_and_it_solves_no_dependencies(
    settings_for: Callable[..., Settings],
) -> None:
    app = create_app(settings_for())
    first = app.routes[0]
    assert isinstance(first, ForwardAuthRoute)
    assert (first.path, first.methods) == ("/auth/verify", {"GET"})
    assert first.dependant.dependencies == []
    assert not [
        route
        for router in (sessions.router, accounts.router)
        for route in router.routes
        if isinstance(route, APIRoute) and route.path == "/auth/verify"
    ]
    assert list(app.openapi()["paths"]["/auth/verify"]) == ["get"]


async def test_the_identity_headers_are_exactly_the_tokens(
    api: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await api.get("/auth/verify", headers=admin["headers"])
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers.multi_items() == [
        ("x-user-id", admin["id"]),
        ("x-user-name", admin["username"]),
        ("x-user-roles", "admin,user"),
        ("content-length", "0"),
        ("vary", "Origin"),
        ("x-request-id", response.headers["x-request-id"]),
    ]


async def test_a_failure_is_the_kits_problem_with_a_challenge(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/verify", headers={"X-Request-Id": "req-no-token"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="switchboard"'
    assert response.headers["x-request-id"] == "req-no-token"
    assert response.json() == {
        "type": "https://switchboard.dev/problems/unauthorized",
        "title": "Authentication required",
        "status": 401,
        "detail": "A bearer access token is required.",
        "instance": "/auth/verify",
    }


async def test_a_signed_out_token_is_refused_on_the_very_next_check(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    assert (await api.get("/auth/verify", headers=session["headers"])).status_code == 200
    await api.post("/auth/signout", headers=session["headers"])
    response = await api.get("/auth/verify", headers=session["headers"])
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == (
        'Bearer realm="switchboard", error="invalid_token"'
    )
    assert response.json()["detail"] == REVOKED


async def test_concurrent_checks_each_get_their_own_callers_answer(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    sessions = [await sign_in() for _ in range(4)]
    await api.post("/auth/signout", headers=sessions[1]["headers"])
    answers = await asyncio.gather(
        *(api.get("/auth/verify", headers=s["headers"]) for s in sessions * 3)
    )
    for session, answer in zip(sessions * 3, answers, strict=True):
        if session is sessions[1]:
            assert answer.status_code == 401
            assert answer.json()["detail"] == REVOKED
        else:
            assert answer.status_code == 200
            assert answer.headers["x-user-id"] == session["user"]["id"]
            assert answer.headers["x-user-name"] == session["user"]["username"]


async def test_with_redis_down_a_valid_token_gets_a_503_logged_with_the_request_id(
    serve: ServeApp,
    settings_for: Callable[..., Settings],
    sign_in: SignIn,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = await sign_in()
    async with serve(create_app(settings_for(redis_url=DEAD_REDIS))) as down:
        capsys.readouterr()
        response = await down.get(
            "/auth/verify", headers={**session["headers"], "X-Request-Id": "req-redis-down"}
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-redis-down"
    assert "x-user-id" not in response.headers
    assert response.json() == {
        "type": "https://switchboard.dev/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": UNREACHABLE,
        "instance": "/auth/verify",
    }
    lines = [line for line in log_lines(capsys.readouterr().out) if line.get("request_id")]
    assert [(line["level"], line["msg"]) for line in lines] == [
        ("error", "revocation list unavailable"),
        ("info", "request"),
    ]
    assert {line["request_id"] for line in lines} == {"req-redis-down"}
    assert lines[1]["status"] == 503
    assert lines[1]["path"] == "/auth/verify"


async def test_with_redis_down_concurrent_checks_are_each_logged_with_their_request_id(
    serve: ServeApp,
    settings_for: Callable[..., Settings],
    sign_in: SignIn,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = await sign_in()
    ids = [f"req-down-{n}" for n in range(4)]
    async with serve(create_app(settings_for(redis_url=DEAD_REDIS))) as down:
        capsys.readouterr()
        answers = await asyncio.gather(
            *(
                down.get("/auth/verify", headers={**session["headers"], "X-Request-Id": id_})
                for id_ in ids
            )
        )
    assert [a.status_code for a in answers] == [503] * 4
    assert [a.headers["x-request-id"] for a in answers] == ids
    lines = log_lines(capsys.readouterr().out)
    errors = [line for line in lines if line["msg"] == "revocation list unavailable"]
    assert sorted(line["request_id"] for line in errors) == ids


async def test_failures_are_logged_with_their_request_id_and_successes_are_not(
    api: httpx.AsyncClient, sign_in: SignIn, capsys: pytest.CaptureFixture[str]
) -> None:
    session = await sign_in()
    capsys.readouterr()
    await api.get("/auth/verify", headers={**session["headers"], "X-Request-Id": "req-ok"})
    await api.get("/auth/verify", headers={"X-Request-Id": "req-no-token"})
    bad = {"Authorization": "Bearer not.a.jwt", "X-Request-Id": "req-bad-token"}
    await api.get("/auth/verify", headers=bad)
    logged = [line for line in log_lines(capsys.readouterr().out) if line["msg"] == "request"]
    assert [(line["request_id"], line["status"], line["path"]) for line in logged] == [
        ("req-no-token", 401, "/auth/verify"),
        ("req-bad-token", 401, "/auth/verify"),
    ]


async def test_other_routes_still_log_every_request(
    api: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await api.get("/health", headers={"X-Request-Id": "req-health"})
    logged = [line for line in log_lines(capsys.readouterr().out) if line["msg"] == "request"]
    assert [(line["request_id"], line["status"]) for line in logged] == [("req-health", 200)]


async def test_checks_are_counted_under_the_route_template(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    await api.get("/auth/verify", headers=session["headers"])
    await api.get("/auth/verify")
    metrics = (await api.get("/metrics")).text
    for status in ("200", "401"):
        assert (
            'http_requests_total{method="GET",route="/auth/verify",'
            f'service="auth",status="{status}"}}'
        ) in metrics


async def test_other_methods_on_the_verify_path_are_still_a_405_problem(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/auth/verify")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
