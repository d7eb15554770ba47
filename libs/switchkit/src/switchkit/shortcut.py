"""A short way through an app for one hot kind of request, behind the kit's own layers.

Some requests come so often that FastAPI's routing and dependency solving cost more than
the answer: the gateway's ForwardAuth check before every protected request, a list page
a table asks for again and again. A shortcut answers such a request ahead of the app's
middleware and routing, behind the same request id, crash handling, access log, metrics
and CORS as every other answer; whatever it does not take goes through the app as before.
The route stays in the app, documented in the OpenAPI contract, and shares its logic with
the shortcut, so the two give the same answers (each user of this module tests that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from switchkit.middleware import MetricsMiddleware, RequestContextMiddleware
from switchkit.problems import KitError, kit_error_problem

__all__ = ["Shortcut", "ShortcutMiddleware", "install_shortcut"]


class Shortcut(Protocol):
    route: APIRoute
    """The route whose requests the shortcut answers: the metrics label them by its path."""

    def takes(self, scope: Scope) -> bool:
        """Whether this HTTP request is answered here; cheap, it is asked of every request."""
        ...

    async def answer(self, request: Request) -> Response:
        """The answer; a `KitError` becomes its problem+json, as on every route."""
        ...


class _Endpoint:
    def __init__(self, shortcut: Shortcut) -> None:
        self.shortcut = shortcut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Where the router would have put it: the metrics label requests by route template.
        scope["route"] = self.shortcut.route
        request = Request(scope, receive)
        response: Response
        try:
            response = await self.shortcut.answer(request)
        except KitError as exc:
            response = kit_error_problem(request, exc)
        await response(scope, receive, send)


class ShortcutMiddleware:
    """Outermost middleware: what the shortcut takes skips the app's stack; the rest goes on."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        shortcut: Shortcut,
        cors: Mapping[str, Any] | None,
        log_successes: bool,
    ) -> None:
        self.app = app
        self.shortcut = shortcut
        endpoint: ASGIApp = _Endpoint(shortcut)
        if cors is not None:
            endpoint = CORSMiddleware(endpoint, **cors)
        self.short = RequestContextMiddleware(
            MetricsMiddleware(endpoint, service=service), log_successes=log_successes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.shortcut.takes(scope):
            await self.short(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_shortcut(
    app: FastAPI, *, service: str, shortcut: Shortcut, log_successes: bool = True
) -> None:
    """Put `shortcut` in front of `app`'s middleware, with the CORS options `app` has.

    `log_successes=False` leaves out the access line of its answers below 400, for a request
    whose every occurrence the gateway's access log records already.
    """
    cors = next((kwargs for cls, _, kwargs in app.user_middleware if cls is CORSMiddleware), None)
    # Starlette puts the middleware added last outermost.
    app.add_middleware(
        ShortcutMiddleware,
        service=service,
        shortcut=shortcut,
        cors=cors,
        log_successes=log_successes,
    )
