"""A shortcut answers what it takes behind the kit's layers; everything else reaches the app."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.types import Scope

from switchkit.middleware import REQUESTS
from switchkit.problems import Unauthorized, install_problem_handlers
from switchkit.shortcut import install_shortcut


class Hello:
    def __init__(self, route: APIRoute) -> None:
        self.route = route
        self.answered = 0

    def takes(self, scope: Scope) -> bool:
        return bool(scope["path"] == "/hello" and scope["method"] == "GET")

    async def answer(self, request: Request) -> Response:
        self.answered += 1
        if request.query_params.get("who") == "nobody":
            raise Unauthorized("Nobody is not welcome.")
        return Response(b"hello from the shortcut", headers={"X-Way": "short"})


def app_with_shortcut() -> tuple[FastAPI, Hello]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/hello")
    async def hello() -> Response:
        return Response(b"hello from the route")

    @app.get("/other")
    async def other() -> Response:
        return Response(b"the app")

    app.add_middleware(CORSMiddleware, allow_origins=["https://ui.example"])
    [route] = [r for r in app.routes if isinstance(r, APIRoute) and r.path == "/hello"]
    shortcut = Hello(route)
    install_shortcut(app, service="kittest", shortcut=shortcut)
    return app, shortcut


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit")


async def test_what_it_takes_is_answered_by_it_with_a_request_id_and_cors() -> None:
    app, shortcut = app_with_shortcut()
    before = REQUESTS.labels("kittest", "GET", "/hello", "200")._value.get()
    async with client(app) as api:
        response = await api.get("/hello", headers={"Origin": "https://ui.example"})
    assert (response.status_code, response.content) == (200, b"hello from the shortcut")
    assert shortcut.answered == 1
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["access-control-allow-origin"] == "https://ui.example"
    assert REQUESTS.labels("kittest", "GET", "/hello", "200")._value.get() == before + 1


async def test_its_errors_are_problems() -> None:
    app, _ = app_with_shortcut()
    async with client(app) as api:
        response = await api.get("/hello?who=nobody")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Nobody is not welcome."
    assert response.json()["instance"] == "/hello"


async def test_what_it_does_not_take_goes_through_the_app() -> None:
    app, shortcut = app_with_shortcut()
    async with client(app) as api:
        other = await api.get("/other")
        posted = await api.post("/hello")
    assert other.content == b"the app"
    assert posted.status_code == 405
    assert shortcut.answered == 0
