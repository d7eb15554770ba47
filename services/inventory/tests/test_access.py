"""Who may do what: reads for any signed-in user, writes for supervisors and admins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from inventory.main import create_app
from switchkit.testing import TestTokens
from tests.conftest import VALID

Create = Callable[..., Awaitable[dict[str, Any]]]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/dids"), ("GET", "/dids/1"), ("POST", "/dids"), ("DELETE", "/dids/1")],
)
async def test_every_route_needs_a_token(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await api.request(method, path, json=VALID if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_from_another_key_is_a_401(api: httpx.AsyncClient) -> None:
    forged = TestTokens().token(roles=["user", "supervisor"])
    response = await api.get("/dids", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_a_plain_user_reads_but_cannot_write(
    api: httpx.AsyncClient, user: dict[str, str], create: Create, count_dids: Any
) -> None:
    did = await create()
    assert (await api.get("/dids", headers=user)).status_code == 200
    assert (await api.get(f"/dids/{did['id']}", headers=user)).status_code == 200
    writes = [
        await api.post("/dids", json={**VALID, "value": "+1 650-253-0000"}, headers=user),
        await api.put(f"/dids/{did['id']}", json=VALID, headers=user),
        await api.patch(f"/dids/{did['id']}", json={"currency": "R$"}, headers=user),
        await api.delete(f"/dids/{did['id']}", headers=user),
    ]
    assert [w.status_code for w in writes] == [403] * 4
    assert {w.headers["content-type"] for w in writes} == {"application/problem+json"}
    assert await count_dids() == 1


async def test_an_admin_may_write(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    assert (await api.post("/dids", json=VALID, headers=admin)).status_code == 201


async def test_a_forged_roles_header_gives_no_rights(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.post(
        "/dids", json=VALID, headers={**user, "X-User-Roles": "supervisor,admin"}
    )
    assert response.status_code == 403


async def test_if_match_with_the_current_etag_passes(
    api: httpx.AsyncClient, supervisor: dict[str, str], create: Create
) -> None:
    did = await create()
    etag = f'"{did["id"]}-1"'
    response = await api.patch(
        f"/dids/{did['id']}", json={"currency": "R$"}, headers={**supervisor, "If-Match": etag}
    )
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{did["id"]}-2"'


async def test_a_stale_if_match_is_a_412_and_changes_nothing(
    api: httpx.AsyncClient, supervisor: dict[str, str], create: Create
) -> None:
    did = await create()
    stale = f'"{did["id"]}-1"'
    await api.patch(f"/dids/{did['id']}", json={"setupPrice": "1.00"}, headers=supervisor)
    response = await api.put(
        f"/dids/{did['id']}",
        json={**VALID, "setupPrice": "5.00"},
        headers={**supervisor, "If-Match": stale},
    )
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["etag"] == f'"{did["id"]}-2"'
    deleted = await api.delete(f"/dids/{did['id']}", headers={**supervisor, "If-Match": stale})
    assert deleted.status_code == 412
    current = await api.get(f"/dids/{did['id']}", headers=supervisor)
    assert current.json()["setupPrice"] == "1.00"


async def test_concurrent_writers_with_the_same_if_match_cannot_both_win(
    serve: Any, settings: Any, tokens: TestTokens, supervisor: dict[str, str]
) -> None:
    async with serve(create_app(settings, token_verifier=lambda _: tokens), committed=True) as api:
        created = await api.post(
            "/dids", json={**VALID, "value": "+55 21 3456-7890"}, headers=supervisor
        )
        did = created.json()
        headers = {**supervisor, "If-Match": created.headers["etag"]}
        try:
            responses = await asyncio.gather(
                *(
                    api.patch(f"/dids/{did['id']}", json={"setupPrice": f"{n}.00"}, headers=headers)
                    for n in range(1, 6)
                )
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200, 412, 412, 412, 412]
            [winner] = [r for r in responses if r.status_code == 200]
            current = await api.get(f"/dids/{did['id']}", headers=supervisor)
            assert current.json() == winner.json()
            assert current.headers["etag"] == f'"{did["id"]}-2"'
        finally:
            await api.delete(f"/dids/{did['id']}", headers=supervisor)
