"""The request-context middleware: a request id on every answer, an access line per request."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from switchkit.logging import configure_logging
from switchkit.middleware import RequestContextMiddleware


async def answer_with_the_status_in_the_path(scope: Scope, receive: Receive, send: Send) -> None:
    status = int(scope["path"].strip("/"))
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def access_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line["msg"] == "request"]


async def test_without_success_lines_only_failures_are_logged_each_with_its_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(service="kittest")
    app = RequestContextMiddleware(answer_with_the_status_in_the_path, log_successes=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        answers = [
            await client.get(f"/{status}", headers={"X-Request-Id": f"req-{status}"})
            for status in (200, 204, 304, 401, 503)
        ]
    assert [a.headers["x-request-id"] for a in answers] == [
        "req-200",
        "req-204",
        "req-304",
        "req-401",
        "req-503",
    ]
    logged = access_lines(capsys.readouterr().out)
    assert [(line["status"], line["request_id"], line["path"]) for line in logged] == [
        (401, "req-401", "/401"),
        (503, "req-503", "/503"),
    ]


async def test_by_default_every_answer_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service="kittest")
    app = RequestContextMiddleware(answer_with_the_status_in_the_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        for status in (200, 401):
            await client.get(f"/{status}")
    assert [line["status"] for line in access_lines(capsys.readouterr().out)] == [200, 401]
