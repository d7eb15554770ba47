"""/health: the aggregated liveness of every service."""

import httpx

from .fakes import PortalFactory, tiny_service

SERVICES = {"auth": "http://auth.internal:8000", "reviews": "http://reviews.internal:8000"}


async def test_health_is_ok_when_every_service_is_live(portal: PortalFactory) -> None:
    async with portal(SERVICES, httpx.ASGITransport(app=tiny_service("Any"))) as api:
        r = await api.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "services": {"auth": "up", "reviews": "up"}}


async def test_health_is_503_naming_the_service_that_is_down(portal: PortalFactory) -> None:
    def only_auth(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.internal":
            return httpx.Response(200, json={"status": "ok"})
        raise httpx.ConnectError("connection refused", request=request)

    async with portal(SERVICES, httpx.MockTransport(only_auth)) as api:
        r = await api.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "degraded", "services": {"auth": "up", "reviews": "down"}}


async def test_a_service_answering_an_error_counts_as_down(portal: PortalFactory) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    async with portal({"auth": "http://auth.internal:8000"}, transport) as api:
        r = await api.get("/health")
    assert r.status_code == 503
    assert r.json()["services"] == {"auth": "down"}


async def test_a_slow_service_counts_as_down(portal: PortalFactory) -> None:
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with portal({"auth": "http://auth.internal:8000"}, httpx.MockTransport(too_slow)) as api:
        r = await api.get("/health")
    assert r.status_code == 503
