"""The gateway's ForwardAuth check, and the short way `GET /auth/verify` takes through the app.

Traefik asks `/auth/verify` before every protected request, so what that answer costs is
paid by the whole suite on every call. The route stays in the app (and in the OpenAPI
contract), but `install_fast_path` answers it ahead of the app's middleware and routing:
the same check, the same headers and problem+json (rendered by the kit), a request id, the
metrics and CORS headers of every other answer; only the access-log line of a *successful*
check is left out (Traefik's access log has every request). Failures are logged as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from switchkit.identity import TokenVerifier, bearer_token
from switchkit.middleware import MetricsMiddleware, RequestContextMiddleware
from switchkit.problems import KitError, Unauthorized, kit_error_problem

__all__ = ["VERIFY_PATH", "ForwardAuthFastPath", "check", "install_fast_path"]

VERIFY_PATH = "/auth/verify"


async def check(connection: HTTPConnection) -> dict[str, str]:
    """The headers of a passed check: the caller's identity, or none for a CORS preflight.

    Raises `Unauthorized` (no, bad, expired or revoked token) or `ServiceUnavailable`
    (the revocation list cannot be read).
    """
    if _is_cors_preflight(connection):
        return {}
    token = bearer_token(connection)
    if token is None:
        raise Unauthorized("A bearer access token is required.")
    verifier: TokenVerifier = connection.app.state.token_verifier
    identity = await verifier.verify(token)
    return {
        "X-User-Id": str(identity.user_id),
        "X-User-Name": identity.username,
        "X-User-Roles": ",".join(sorted(identity.roles)),
    }


def _is_cors_preflight(connection: HTTPConnection) -> bool:
    # Browsers send preflights without credentials; the service behind answers them.
    return (
        connection.headers.get("x-forwarded-method") == "OPTIONS"
        and "access-control-request-method" in connection.headers
    )


class _VerifyEndpoint:
    """`GET /auth/verify` as a bare ASGI app: no routing, no dependency solving."""

    def __init__(self, route: APIRoute) -> None:
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Where a router would have put it: the metrics label requests by route template.
        scope["route"] = self.route
        request = Request(scope, receive)
        response: Response
        try:
            response = Response(status_code=200, headers=await check(request))
        except KitError as exc:
            response = kit_error_problem(request, exc)
        await response(scope, receive, send)


class ForwardAuthFastPath:
    """Outermost middleware: `GET /auth/verify` skips the app's stack; the rest goes through.

    The check runs behind the kit's own request-context (request id, crash handling, the
    access line of failures) and metrics middleware, and the app's CORS settings.
    """

    def __init__(
        self, app: ASGIApp, *, service: str, route: APIRoute, cors: Mapping[str, Any] | None
    ) -> None:
        self.app = app
        endpoint: ASGIApp = _VerifyEndpoint(route)
        if cors is not None:
            endpoint = CORSMiddleware(endpoint, **cors)
        self.verify = RequestContextMiddleware(
            MetricsMiddleware(endpoint, service=service), log_successes=False
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == VERIFY_PATH and scope["method"] == "GET":
            await self.verify(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_fast_path(app: FastAPI, *, service: str, route: APIRoute) -> None:
    """Put the fast path in front of `app`'s middleware, with the CORS options `app` has."""
    cors = next((kwargs for cls, _, kwargs in app.user_middleware if cls is CORSMiddleware), None)
    # Starlette puts the middleware added last outermost.
    app.add_middleware(ForwardAuthFastPath, service=service, route=route, cors=cors)
