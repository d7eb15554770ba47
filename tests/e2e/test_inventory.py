"""The DID inventory end to end: through the real Traefik gateway, its ForwardAuth and CORS.

The e2e stack is started by `sbctl up`, which seeds the inventory when it is empty, and with a
first admin (conftest), whose token promotes a freshly signed-up user to supervisor.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass

import httpx
import pytest

from inventory.dids.seed import SEED_SIZE
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, REPO_ROOT

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
CRUD_SCRIPT = REPO_ROOT / "services" / "inventory" / "scripts" / "crud.sh"
CRUD_TIMEOUT_SECONDS = 120
# A browser page served from elsewhere, like the frontend team's dev server.
ORIGIN = "http://localhost:5173"
# What a table needs to read from a cross-origin response.
EXPOSED = {"x-total-count", "link", "etag", "location"}
_LINK = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sign_in(gateway: httpx.Client, username: str, password: str) -> str:
    response = gateway.post("/auth/signin", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["accessToken"]
    return token


def _new_user(gateway: httpx.Client) -> tuple[str, str]:
    """Signs up a user with the plain `user` role; returns its id and username."""
    username = f"e2e{uuid.uuid4().hex[:10]}"
    response = gateway.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return response.json()["id"], username


@pytest.fixture(scope="module")
def user_token(gateway: httpx.Client) -> str:
    """An access token of a signed-in user with no role beyond `user`."""
    _, username = _new_user(gateway)
    return _sign_in(gateway, username, PASSWORD)


@pytest.fixture(scope="module")
def supervisor_token(gateway: httpx.Client) -> str:
    """A user made supervisor by the admin, then signed in again: roles travel in the token,
    so a token issued before the promotion would still say `user`."""
    user_id, username = _new_user(gateway)
    admin = _sign_in(gateway, ADMIN_USERNAME, ADMIN_PASSWORD)
    promoted = gateway.put(
        f"/auth/users/{user_id}/roles", json={"roles": ["supervisor"]}, headers=_headers(admin)
    )
    assert promoted.status_code == 200, promoted.text
    assert "supervisor" in promoted.json()["roles"]
    return _sign_in(gateway, username, PASSWORD)


def _new_number() -> str:
    """A Natal mobile number (+55 84 9xxxx-xxxx, all valid) outside the sample data."""
    digits = f"{uuid.uuid4().int % 10**8:08d}"
    return f"+55 84 9{digits[:4]}-{digits[4:]}"


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(header)}


def _names(header: str) -> set[str]:
    """The header names listed in a CORS header, lowercased."""
    return {name.strip().lower() for name in header.split(",")}


# --- reads ----------------------------------------------------------------------------------


def test_a_signed_in_user_sees_the_seeded_table_a_page_at_a_time(
    gateway: httpx.Client, gateway_url: str, user_token: str
) -> None:
    response = gateway.get("/dids", params={"per_page": 50}, headers=_headers(user_token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    assert len(page) == 50
    assert set(page[0]) == {"id", "value", "monthyPrice", "setupPrice", "currency"}
    # Exactly the seed, unless a test's rows are still there (a run stopped half-way).
    total = int(response.headers["x-total-count"])
    assert total >= SEED_SIZE
    links = _links(response.headers["link"])
    assert set(links) == {"first", "next", "last"}  # no `prev` on the first page
    # Absolute URLs on the gateway, not on the service's own port.
    assert links["first"] == f"{gateway_url}/dids?page=1&per_page=50"
    assert links["next"] == f"{gateway_url}/dids?page=2&per_page=50"
    assert links["last"] == f"{gateway_url}/dids?page={-(-total // 50)}&per_page=50"


def test_json_servers_parameters_work_through_the_gateway(
    gateway: httpx.Client, user_token: str
) -> None:
    response = gateway.get(
        "/dids",
        params={"_page": 2, "_limit": 10, "_sort": "monthyPrice", "_order": "desc"},
        headers=_headers(user_token),
    )
    assert response.status_code == 200, response.text
    prices = [float(did["monthyPrice"]) for did in response.json()]
    assert len(prices) == 10
    assert prices == sorted(prices, reverse=True)


def test_a_json_server_slice_through_the_gateway(gateway: httpx.Client, user_token: str) -> None:
    everything = gateway.get("/dids", params={"per_page": 20}, headers=_headers(user_token))
    response = gateway.get("/dids", params={"_start": 10, "_end": 15}, headers=_headers(user_token))
    assert response.status_code == 200, response.text
    assert response.json() == everything.json()[10:15]
    assert response.headers["x-total-count"] == everything.headers["x-total-count"]
    assert "link" not in response.headers


def test_json_server_field_filters_through_the_gateway(
    gateway: httpx.Client, user_token: str
) -> None:
    cheap = gateway.get(
        "/dids", params={"monthyPrice_gte": "0.5", "per_page": 100}, headers=_headers(user_token)
    )
    assert cheap.status_code == 200, cheap.text
    assert cheap.json()
    assert all(float(did["monthyPrice"]) >= 0.5 for did in cheap.json())
    assert int(cheap.headers["x-total-count"]) < SEED_SIZE
    first_two = [did["id"] for did in cheap.json()[:2]]
    either = gateway.get(
        "/dids", params=[("id", first_two[1]), ("id", first_two[0])], headers=_headers(user_token)
    )
    assert [did["id"] for did in either.json()] == first_two
    assert either.headers["x-total-count"] == "2"


def test_a_bad_filter_is_a_400_naming_it_through_the_gateway(
    gateway: httpx.Client, user_token: str
) -> None:
    response = gateway.get(
        "/dids", params={"monthyPrice_gte": "cheap"}, headers=_headers(user_token)
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["monthyPrice_gte"]


def test_no_token_is_a_401_problem_from_the_gateway(gateway: httpx.Client) -> None:
    response = gateway.get("/dids")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Answered by ForwardAuth: the request never reached the inventory.
    assert response.json()["instance"] == "/auth/verify"


def test_a_bad_token_is_a_401_from_the_gateway(gateway: httpx.Client) -> None:
    response = gateway.get("/dids/1", headers=_headers("not-a-token"))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


# --- roles ----------------------------------------------------------------------------------


def test_a_plain_user_cannot_add_a_did(gateway: httpx.Client, user_token: str) -> None:
    body = {"value": _new_number(), "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
    response = gateway.post("/dids", json=body, headers=_headers(user_token))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


def test_a_forged_role_header_beside_a_user_token_is_still_a_403(
    gateway: httpx.Client, user_token: str
) -> None:
    """The gateway strips the client's X-User-Roles, and the service reads roles from the
    token it verifies itself, never from that header."""
    body = {"value": _new_number(), "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
    forged = {**_headers(user_token), "X-User-Roles": "supervisor", "X_User_Roles": "admin"}
    response = gateway.post("/dids", json=body, headers=forged)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


def test_a_supervisor_creates_reads_changes_and_deletes_a_did(
    gateway: httpx.Client, gateway_url: str, supervisor_token: str
) -> None:
    auth = _headers(supervisor_token)
    number = _new_number()
    body = {"value": number, "monthlyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
    created = gateway.post("/dids", json=body, headers=auth)
    assert created.status_code == 201, created.text
    did = created.json()
    # `monthlyPrice` is accepted on input; the answer says `monthyPrice`, as agreed.
    assert did == {
        "id": did["id"],
        "value": number,
        "monthyPrice": "0.03",
        "setupPrice": "3.40",
        "currency": "U$",
    }
    location = created.headers["location"]
    assert location == f"{gateway_url}/dids/{did['id']}"

    read = gateway.get(location, headers=auth)
    assert read.status_code == 200
    assert read.json() == did
    etag = read.headers["etag"]
    assert etag == created.headers["etag"]

    patched = gateway.patch(
        location, json={"setupPrice": "2.50"}, headers={**auth, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["setupPrice"] == "2.50"
    assert patched.headers["etag"] != etag
    stale = gateway.patch(location, json={"setupPrice": "9.99"}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412

    deleted = gateway.delete(location, headers=auth)
    assert deleted.status_code == 204
    gone = gateway.get(location, headers=auth)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == PROBLEM


# --- browsers -------------------------------------------------------------------------------


def test_a_browser_preflight_is_answered_by_the_services_cors(gateway: httpx.Client) -> None:
    """Preflights carry no token: /auth/verify lets them through, the service answers them."""
    response = gateway.options(
        "/dids/1",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] in {"*", ORIGIN}
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = _names(response.headers["access-control-allow-headers"])
    assert {"authorization", "content-type", "if-match"} <= allowed


def test_an_options_request_that_is_no_preflight_still_needs_a_token(
    gateway: httpx.Client,
) -> None:
    response = gateway.options("/dids", headers={"Origin": ORIGIN})
    assert response.status_code == 401


def test_a_browser_can_read_the_paging_and_caching_headers(
    gateway: httpx.Client, user_token: str
) -> None:
    response = gateway.get("/dids", headers={**_headers(user_token), "Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in {"*", ORIGIN}
    assert _names(response.headers["access-control-expose-headers"]) >= EXPOSED


# --- the portal -----------------------------------------------------------------------------


def test_health_and_docs_include_the_inventory(gateway: httpx.Client, gateway_url: str) -> None:
    health = gateway.get("/health")
    assert health.status_code == 200
    assert health.json()["services"]["inventory"] == "up"
    docs = gateway.get("/docs")
    assert docs.status_code == 200
    assert "/docs/openapi/inventory.json" in docs.text
    document = gateway.get("/docs/openapi/inventory.json")
    assert document.status_code == 200
    assert document.json()["servers"] == [{"url": gateway_url}]
    assert "/dids" in document.json()["paths"]


# --- the curl script ------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request the script printed (`>>> METHOD PATH`) and the status it printed back."""

    method: str
    path: str
    status: int


def _exchanges(output: str) -> list[Exchange]:
    exchanges: list[Exchange] = []
    request: tuple[str, str] | None = None
    for line in output.splitlines():
        if match := re.fullmatch(r">>> (GET|POST|PUT|PATCH|DELETE) (/\S*)", line):
            request = (match.group(1), match.group(2))
        elif (match := re.fullmatch(r"<<< HTTP/[\d.]+ (\d{3})\b.*", line)) and request:
            exchanges.append(Exchange(*request, status=int(match.group(1))))
            request = None
    return exchanges


def test_the_crud_script_runs_every_operation_through_the_gateway(gateway_url: str) -> None:
    env = {
        **os.environ,
        "GATEWAY": gateway_url,
        "SWITCHBOARD_ADMIN_USERNAME": ADMIN_USERNAME,
        "SWITCHBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    env.pop("SUPERVISOR_TOKEN", None)  # it must make its own supervisor
    # Run as a user would, through its shebang: it must stay executable.
    result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [str(CRUD_SCRIPT)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CRUD_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    dids = [
        (e.method, re.sub(r"^/dids/\d+$", "/dids/{id}", e.path), e.status)
        for e in _exchanges(result.stdout)
        if e.path.startswith("/dids")
    ]
    # A create that met a number left by another run (409) is retried: keep the last one.
    while len(dids) > 1 and dids[0] == ("POST", "/dids", 409):
        dids.pop(0)
    assert dids == [
        ("POST", "/dids", 201),
        ("GET", "/dids/{id}", 200),
        ("GET", "/dids?page=1&per_page=3&sort=-monthyPrice", 200),
        ("PUT", "/dids/{id}", 200),
        ("PATCH", "/dids/{id}", 200),
        ("PATCH", "/dids/{id}", 412),  # the stale If-Match
        ("DELETE", "/dids/{id}", 204),
        ("GET", "/dids/{id}", 404),
    ]
    # Responses are printed too, bodies included...
    assert re.search(r'^<<< \{"id":\d+,"value":"\+55 84 9', result.stdout, re.MULTILINE)
    assert re.search(r"^<<< Location: http://\S+/dids/\d+$", result.stdout, re.MULTILINE)
    # ...but never a credential.
    assert ADMIN_PASSWORD not in result.stdout
    assert "eyJ" not in result.stdout  # the start of every JWT
