"""Routes marked `quiet_successes` log only their failures; body limits hold for every framing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from switchkit.app import create_service_app
from switchkit.middleware import REQUESTS, quiet_successes
from switchkit.problems import Unauthorized
from switchkit.settings import Environment, KitSettings

router = APIRouter()


@router.get("/quiet")
@quiet_successes
async def quiet(fail: bool = False) -> dict[str, str]:
    if fail:
        raise Unauthorized("No entry.")
    return {"said": "nothing"}


@router.get("/loud")
async def loud() -> dict[str, str]:
    return {"said": "something"}


@router.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


def app() -> FastAPI:
    settings = KitSettings(
        environment=Environment.TEST,
        database_url="postgresql+asyncpg://unused@127.0.0.1/unused",
        max_body_bytes=16,
    )
    return create_service_app(
        settings=settings, title="kit", description="", version="0", routers=[router]
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


def access_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line["msg"] == "request"]


async def test_a_quiet_route_logs_its_failures_only_and_other_routes_log_everything(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    ok = await client.get("/quiet", headers={"X-Request-Id": "req-ok"})
    refused = await client.get("/quiet?fail=1", headers={"X-Request-Id": "req-refused"})
    loud = await client.get("/loud", headers={"X-Request-Id": "req-loud"})
    assert (ok.status_code, refused.status_code, loud.status_code) == (200, 401, 200)
    assert ok.headers["x-request-id"] == "req-ok"
    assert refused.headers["content-type"] == "application/problem+json"
    logged = access_lines(capsys.readouterr().out)
    assert [(line["request_id"], line["status"], line["path"]) for line in logged] == [
        ("req-refused", 401, "/quiet"),
        ("req-loud", 200, "/loud"),
    ]


async def test_a_quiet_route_is_still_counted_under_its_template(
    client: httpx.AsyncClient,
) -> None:
    before = REQUESTS.labels("service", "GET", "/quiet", "200")._value.get()
    await client.get("/quiet")
    await client.get("/quiet")
    assert REQUESTS.labels("service", "GET", "/quiet", "200")._value.get() == before + 2


async def test_a_generated_request_id_is_32_hex_digits(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/loud"), await client.get("/loud")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert ids[0] != ids[1]


async def test_a_body_within_the_limit_arrives_whole(client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", content=b"x" * 16)
    assert response.status_code == 200
    assert response.json() == {"received": 16}


async def test_a_declared_body_over_the_limit_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", content=b"x" * 17)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "body", "message": "must be at most 16 bytes"}]


async def test_a_chunked_body_over_the_limit_is_a_400(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 8

    response = await client.post("/echo", content=chunks())
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body"
