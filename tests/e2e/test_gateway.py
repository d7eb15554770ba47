"""Through the real gateway: aggregated health and docs, and ForwardAuth on protected routes."""

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_health_is_ok_with_auth_up(gateway: httpx.Client) -> None:
    r = gateway.get("/health")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    assert body["services"]["auth"] == "up"


def test_docs_is_one_swagger_ui_listing_auth(gateway: httpx.Client) -> None:
    r = gateway.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/docs/openapi/auth.json" in r.text
    assert '"name": "auth"' in r.text


def test_auths_openapi_document_points_at_the_gateway(
    gateway: httpx.Client, gateway_url: str
) -> None:
    r = gateway.get("/docs/openapi/auth.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    document = r.json()
    assert document["servers"] == [{"url": gateway_url}]
    assert "/auth/signin" in document["paths"]


def test_an_unknown_services_document_is_a_404_problem(gateway: httpx.Client) -> None:
    r = gateway.get("/docs/openapi/nope.json")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_a_protected_route_without_a_token_is_a_401_problem(gateway: httpx.Client) -> None:
    r = gateway.get("/auth/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["status"] == 401


@pytest.mark.parametrize("header", ["X-User-Id", "X_User_Id", "X.User.Id"])
def test_a_forged_identity_header_without_a_token_is_a_401(
    gateway: httpx.Client, header: str
) -> None:
    r = gateway.get("/auth/me", headers={header: "00000000-0000-0000-0000-000000000001"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


def test_an_unknown_path_is_a_404(gateway: httpx.Client) -> None:
    assert gateway.get("/authors").status_code == 404


@pytest.mark.parametrize("path", ["/auth/me", "/dids", "/books", "/rooms"])
def test_a_token_named_twice_is_a_401_at_the_gateway(gateway: httpx.Client, path: str) -> None:
    """The gateway's check and the service must read the same token: with two, neither does
    (a signed-out supervisor's token behind a valid one once got a write through)."""
    username = f"e2e{uuid.uuid4().hex[:10]}"
    credentials = {"username": username, "password": "correct horse battery"}
    assert gateway.post("/auth/signup", json=credentials).status_code == 201
    first = gateway.post("/auth/signin", json=credentials).json()["accessToken"]
    second = gateway.post("/auth/signin", json=credentials).json()["accessToken"]
    twice = gateway.get(path, params=[("access_token", first), ("access_token", second)])
    both = gateway.get(
        path, params={"access_token": first}, headers={"Authorization": f"Bearer {second}"}
    )
    for response in (twice, both):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "Send the access token once."
    assert gateway.get(path, params={"access_token": first}).status_code == 200
