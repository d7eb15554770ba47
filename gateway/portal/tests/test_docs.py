"""/docs and /docs/openapi/{service}.json."""

import json
import re

import httpx

from .fakes import GATEWAY, PortalFactory, tiny_service

SERVICES = {"auth": "http://auth.internal:8000", "reviews": "http://reviews.internal:8000"}


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_docs_page_offers_every_service_in_one_swagger_ui(portal: PortalFactory) -> None:
    async with portal(SERVICES, httpx.MockTransport(_refuse)) as api:
        r = await api.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    match = re.search(r'<script id="swagger-config" type="application/json">(.*?)</script>', r.text)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["urls"] == [
        {"name": "auth", "url": "/docs/openapi/auth.json"},
        {"name": "reviews", "url": "/docs/openapi/reviews.json"},
    ]
    assert config["layout"] == "StandaloneLayout"
    assert "swagger-ui-standalone-preset.js" in r.text


async def test_openapi_document_comes_from_the_service_and_points_at_the_gateway(
    portal: PortalFactory,
) -> None:
    upstream = httpx.ASGITransport(app=tiny_service("Auth"))
    async with portal({"auth": "http://auth.internal:8000"}, upstream) as api:
        r = await api.get("/docs/openapi/auth.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    document = r.json()
    assert document["info"]["title"] == "Auth"
    assert "/things" in document["paths"]
    assert document["servers"] == [{"url": GATEWAY}]


async def test_unknown_service_is_a_404_problem(portal: PortalFactory) -> None:
    async with portal(SERVICES, httpx.MockTransport(_refuse)) as api:
        r = await api.get("/docs/openapi/nope.json")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404
    assert body["instance"] == "/docs/openapi/nope.json"
    assert "nope" in body["detail"]


async def test_service_that_is_down_is_a_502_problem(portal: PortalFactory) -> None:
    async with portal(SERVICES, httpx.MockTransport(_refuse)) as api:
        r = await api.get("/docs/openapi/auth.json")
    assert r.status_code == 502
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Service unavailable"


async def test_service_answering_garbage_is_a_502_problem(portal: PortalFactory) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>oops"))
    async with portal(SERVICES, transport) as api:
        r = await api.get("/docs/openapi/reviews.json")
    assert r.status_code == 502
    assert r.headers["content-type"] == "application/problem+json"


async def test_service_answering_an_error_is_a_502_problem(portal: PortalFactory) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={"oops": True}))
    async with portal(SERVICES, transport) as api:
        r = await api.get("/docs/openapi/auth.json")
    assert r.status_code == 502
