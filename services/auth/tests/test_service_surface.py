"""What every service offers, seen through auth: health, readiness, metrics, request ids, docs."""

from __future__ import annotations

import httpx


async def test_health_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_database_redis_and_nats(api: httpx.AsyncClient) -> None:
    response = await api.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "up", "redis": "up", "nats": "up"},
    }


async def test_metrics_count_requests_by_route_template(api: httpx.AsyncClient) -> None:
    await api.get("/auth/users/00000000-0000-0000-0000-000000000000")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'route="/auth/users/{user_id}"' in response.text
    assert "00000000-0000" not in response.text


async def test_a_request_id_is_made_when_missing_and_kept_when_given(
    api: httpx.AsyncClient,
) -> None:
    made = await api.get("/health")
    assert len(made.headers["x-request-id"]) == 32
    kept = await api.get("/health", headers={"X-Request-Id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = await api.get("/health", headers={"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"


async def test_an_unknown_route_is_a_404_problem(api: httpx.AsyncClient) -> None:
    response = await api.get("/auth/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_wrong_method_is_a_405_problem(api: httpx.AsyncClient) -> None:
    response = await api.delete("/auth/signin")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_openapi_document_promises_400_problems_never_422(
    api: httpx.AsyncClient,
) -> None:
    spec = (await api.get("/openapi.json")).json()
    signup = spec["paths"]["/auth/signup"]["post"]["responses"]
    assert "422" not in signup
    assert "application/problem+json" in signup["400"]["content"]
    assert "HTTPValidationError" not in spec.get("components", {}).get("schemas", {})
