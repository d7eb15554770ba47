"""POST /auth/refresh: rotation on every use; reuse of a rotated token ends the family."""

from __future__ import annotations

import httpx

from tests.conftest import SignIn


async def test_refresh_rotates_the_pair(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    session = await sign_in()
    response = await api.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["refreshToken"] != session["refreshToken"]
    me = await api.get("/auth/me", headers={"Authorization": f"Bearer {rotated['accessToken']}"})
    assert me.status_code == 200
    assert me.json()["id"] == session["user"]["id"]


async def test_the_new_refresh_token_works_in_turn(api: httpx.AsyncClient, sign_in: SignIn) -> None:
    session = await sign_in()
    token = session["refreshToken"]
    for _ in range(3):
        response = await api.post("/auth/refresh", json={"refreshToken": token})
        assert response.status_code == 200
        token = response.json()["refreshToken"]


async def test_reusing_a_rotated_token_revokes_the_whole_family(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    rotated = (
        await api.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    ).json()

    reuse = await api.post("/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert reuse.status_code == 401
    assert reuse.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in reuse.headers["www-authenticate"]

    # The legitimate newest token is dead too, and so are the family's access tokens.
    newest = await api.post("/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert newest.status_code == 401
    for access in (session["accessToken"], rotated["accessToken"]):
        me = await api.get("/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401


async def test_reuse_in_one_family_leaves_other_signins_alone(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    victim = await sign_in()
    other = await sign_in()
    await api.post("/auth/refresh", json={"refreshToken": victim["refreshToken"]})
    await api.post("/auth/refresh", json={"refreshToken": victim["refreshToken"]})
    assert (await api.get("/auth/me", headers=other["headers"])).status_code == 200


async def test_an_unknown_refresh_token_is_a_401(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/refresh", json={"refreshToken": "not-a-real-token"})
    assert response.status_code == 401


async def test_an_access_token_is_not_a_refresh_token(
    api: httpx.AsyncClient, sign_in: SignIn
) -> None:
    session = await sign_in()
    response = await api.post("/auth/refresh", json={"refreshToken": session["accessToken"]})
    assert response.status_code in (400, 401)


async def test_refresh_without_a_token_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/auth/refresh", json={})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["refreshToken"]
