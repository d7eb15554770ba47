"""The gateway's ForwardAuth check, and the short way `GET /auth/verify` takes through the app.

Traefik asks `/auth/verify` before every protected request, so what that answer costs is
paid by the whole suite on every call. The route stays in the app (and in the OpenAPI
contract), but `install_fast_path` answers it ahead of the app's middleware and routing:
the same check, the same headers and problem+json (rendered by the kit), a request id, the
metrics and CORS headers of every other answer; only the access-log line of a *successful*
check is left out (Traefik's access log has every request). Failures are logged as before.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Scope

from switchkit.identity import TokenVerifier, bearer_token
from switchkit.problems import Unauthorized
from switchkit.shortcut import install_shortcut

__all__ = ["VERIFY_PATH", "VerifyShortcut", "check", "install_fast_path"]

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


class VerifyShortcut:
    """`GET /auth/verify` answered ahead of the app's routing (switchkit.shortcut)."""

    def __init__(self, route: APIRoute) -> None:
        self.route = route

    def takes(self, scope: Scope) -> bool:
        return bool(scope["path"] == VERIFY_PATH and scope["method"] == "GET")

    async def answer(self, request: Request) -> Response:
        return Response(status_code=200, headers=await check(request))


def install_fast_path(app: FastAPI, *, service: str, route: APIRoute) -> None:
    """The fast path in front of `app`; successful checks write no access line."""
    install_shortcut(app, service=service, shortcut=VerifyShortcut(route), log_successes=False)
