"""Every error leaves a service as RFC 9457 problem+json with the right status and headers."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from switchkit.logging import configure_logging

PROBLEM = "application/problem+json"


async def test_a_domain_error_becomes_its_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/conflict")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "https://switchboard.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "That already exists.",
        "instance": "/conflict",
    }


async def test_a_bad_request_lists_its_fields(client: httpx.AsyncClient) -> None:
    response = await client.get("/bad")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "1 field is invalid"
    assert body["errors"] == [{"field": "size", "message": "must be positive"}]


async def test_too_many_requests_says_when_to_retry(client: httpx.AsyncClient) -> None:
    response = await client.get("/slow-down")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


async def test_query_validation_is_a_400_not_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/items", params={"page": "zero"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["page"]


async def test_body_validation_names_every_bad_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"size": "big", "extra": 1})
    assert response.status_code == 400
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["extra", "name", "size"]
    assert response.json()["detail"] == "3 fields are invalid"


async def test_an_oversized_body_is_refused_before_the_handler(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "x" * 2000, "size": 1})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [{"field": "body", "message": "must be at most 1024 bytes"}]


async def test_a_chunked_oversized_body_is_refused_too(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 512

    response = await client.post(
        "/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


async def test_a_crash_is_a_500_problem_without_internals_and_is_logged_with_its_stack(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/crash", headers={"X-Request-Id": "req-crash-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "req-crash-1"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert response.json()["detail"] == "An unexpected error occurred."
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    [error] = [line for line in lines if line["msg"] == "unhandled error"]
    assert error["request_id"] == "req-crash-1"
    assert error["level"] == "error"
    assert "RuntimeError: secret internals" in error["exc"]
    assert "in crash" in error["exc"]


async def test_every_request_is_logged_once_as_json(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await client.get("/items", headers={"X-Request-Id": "req-7"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    [access] = [line for line in lines if line["msg"] == "request"]
    assert access["request_id"] == "req-7"
    assert access["status"] == 200
    assert access["path"] == "/items"
    assert access["service"] == "kittest"


async def test_a_body_of_another_content_type_is_a_400_naming_the_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/things", content=b'{"name": "a", "size": 1}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "body", "message": "must be application/json, not text/plain"}
    ]


def test_tokens_in_urls_never_reach_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service="kittest")
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/ws?access_token=eyJ.secret.sig&x=1"
    )
    out = capsys.readouterr().out
    assert "eyJ.secret.sig" not in out
    assert "access_token=[redacted]&x=1" in out
