"""A list query validated once is answered ahead of routing, exactly as the route answers it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from inventory.dids.shortcut import ListingShortcut
from switchkit.testing import TestTokens

QUERY = "/dids?page=1&per_page=2&sort=-setupPrice&currency=U%24&q=84"
# Headers that differ between any two answers, whoever gives them.
PER_ANSWER = {"x-request-id", "x-cache", "date"}


@pytest.fixture
def shortcut_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the shortcut answered, in order."""
    answered: list[str] = []
    real_answer = ListingShortcut.answer

    async def spying(self: ListingShortcut, request: Any) -> Any:
        answered.append(request.url.path)
        return await real_answer(self, request)

    monkeypatch.setattr(ListingShortcut, "answer", spying)
    return answered


def comparable(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_ANSWER}
    return response.status_code, headers, response.content


async def test_a_query_asked_again_takes_the_shortcut_with_the_same_answer(
    api: httpx.AsyncClient,
    user: dict[str, str],
    create: Callable[..., Awaitable[Any]],
    shortcut_answers: list[str],
) -> None:
    for value, price in (("+55 84 91234-4321", "1.00"), ("+55 84 91234-4322", "2.00")):
        await create(value=value, setupPrice=price)
    routed = await api.get(QUERY, headers=user)
    assert shortcut_answers == []
    again = await api.get(QUERY, headers=user)
    assert shortcut_answers == ["/dids"]
    assert comparable(again) == comparable(routed)
    assert [did["setupPrice"] for did in again.json()] == ["2.00", "1.00"]
    assert again.headers["x-request-id"] != routed.headers["x-request-id"]


async def test_a_browser_gets_the_same_cors_headers_either_way(
    api: httpx.AsyncClient, user: dict[str, str], shortcut_answers: list[str]
) -> None:
    browser = {**user, "Origin": "https://table.example"}
    routed = await api.get(QUERY, headers=browser)
    again = await api.get(QUERY, headers=browser)
    assert shortcut_answers == ["/dids"]
    assert comparable(again) == comparable(routed)
    assert "x-total-count" in again.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-token"},
    ],
    ids=["no token", "another scheme", "garbage"],
)
async def test_the_shortcut_refuses_whom_the_route_refuses(
    headers: dict[str, str],
    api: httpx.AsyncClient,
    user: dict[str, str],
    shortcut_answers: list[str],
) -> None:
    refused_by_route = await api.get("/dids?page=7", headers=headers)
    await api.get(QUERY, headers=user)  # remembered now
    refused_by_shortcut = await api.get(QUERY, headers=headers)
    assert shortcut_answers == ["/dids"]
    assert refused_by_shortcut.status_code == refused_by_route.status_code == 401
    assert refused_by_shortcut.headers["content-type"] == "application/problem+json"
    assert (
        refused_by_shortcut.headers["www-authenticate"]
        == refused_by_route.headers["www-authenticate"]
    )
    assert refused_by_shortcut.json()["detail"] == refused_by_route.json()["detail"]
    assert refused_by_shortcut.json()["instance"] == "/dids"


async def test_identity_headers_that_disagree_with_the_token_are_refused(
    api: httpx.AsyncClient, user: dict[str, str], shortcut_answers: list[str]
) -> None:
    await api.get(QUERY, headers=user)
    forged = await api.get(QUERY, headers={**user, "X-User-Id": str(uuid.uuid4())})
    assert shortcut_answers == ["/dids"]
    assert forged.status_code == 401


async def test_an_expired_token_is_refused(
    api: httpx.AsyncClient, tokens: TestTokens, user: dict[str, str], shortcut_answers: list[str]
) -> None:
    await api.get(QUERY, headers=user)
    expired = tokens.token(sub=str(uuid.uuid4()), exp=1)
    refused = await api.get(QUERY, headers={"Authorization": f"Bearer {expired}"})
    assert shortcut_answers == ["/dids"]
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


@pytest.mark.parametrize(
    "query", ["/dids?per_page=0", "/dids?sort=colour", "/dids?currency=XYZ", "/dids?q=abc"]
)
async def test_a_bad_query_is_never_remembered(
    query: str, api: httpx.AsyncClient, user: dict[str, str], shortcut_answers: list[str]
) -> None:
    for _ in range(2):
        response = await api.get(query, headers=user)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
    assert shortcut_answers == []


async def test_a_query_carrying_a_token_is_never_remembered(
    api: httpx.AsyncClient, tokens: TestTokens, shortcut_answers: list[str]
) -> None:
    token = tokens.token(sub=str(uuid.uuid4()))
    for _ in range(2):
        response = await api.get(f"/dids?access_token={token}")
        assert response.status_code == 200
    assert shortcut_answers == []


async def test_other_methods_and_paths_go_through_the_app(
    api: httpx.AsyncClient,
    user: dict[str, str],
    supervisor: dict[str, str],
    shortcut_answers: list[str],
) -> None:
    await api.get("/dids", headers=user)
    created = await api.post(
        "/dids",
        json={"value": "+1 202 555 0143", "monthyPrice": "1", "setupPrice": "1", "currency": "U$"},
        headers=supervisor,
    )
    assert created.status_code == 201
    assert (await api.get(f"/dids/{created.json()['id']}", headers=user)).status_code == 200
    assert shortcut_answers == []


def access_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "switchkit.access"]


async def test_its_successes_write_no_access_line_and_its_failures_do(
    api: httpx.AsyncClient,
    user: dict[str, str],
    shortcut_answers: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    await api.get(QUERY, headers=user)  # the route: logged
    await api.get(QUERY, headers=user)  # the shortcut: the gateway's access log has it
    refused = await api.get(QUERY)
    assert shortcut_answers == ["/dids", "/dids"]
    lines = access_lines(capsys.readouterr().out)
    assert [line["status"] for line in lines] == [200, 401]
    assert lines[1]["request_id"] == refused.headers["x-request-id"]
