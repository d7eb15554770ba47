"""`GET /auth/verify`, the gateway's ForwardAuth check: one lean route, the only way to it.

Traefik asks it before every protected request, so what its answer costs is paid by the whole
suite on every call. It is a route of the app's own (matched by the app's router, documented
in the OpenAPI contract, behind the kit's request id, crash handling, body limit, metrics and
CORS, like every route), with two differences: `ForwardAuthRoute` answers it with a plain
ASGI callable around `verify` (there is no parameter or dependency to solve, and FastAPI's
per-request machinery for them would cost more than the check), and its successes write no
access line (`quiet_successes`: Traefik's access log has every request; failures are logged as
anywhere). The check itself: the token's signature and claims (remembered per token until it
expires) and the revocation list in Redis on every call, concurrent checks sharing one MGET
(`auth.sessions.tokens`, `auth.sessions.revocation`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from switchkit.identity import TokenVerifier, bearer_token
from switchkit.middleware import quiet_successes
from switchkit.problems import KitError, Unauthorized, kit_error_problem, problem_responses

__all__ = ["VERIFY_PATH", "ForwardAuthRoute", "add_verify_route", "check", "verify"]

VERIFY_PATH = "/auth/verify"


@quiet_successes
async def verify(request: Request) -> Response:
    """Checks the bearer token (or the `access_token` query parameter of `X-Forwarded-Uri`)."""
    return Response(status_code=200, headers=await check(request))


class ForwardAuthRoute(APIRoute):
    """`GET /auth/verify`: documented by FastAPI as any route, answered by a plain ASGI app.

    Starlette's `Route` answers a matched request with its `app`; this one's calls `verify`
    with the request and renders a `KitError` as the kit's problem, as the app's handlers
    would. Anything else goes on to the app's last-resort handling, as from any route.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            VERIFY_PATH,
            verify,
            methods=["GET"],
            tags=["sessions"],
            summary="ForwardAuth target of the gateway",
            responses={
                200: {
                    "description": "Valid token; identity in `X-User-Id`, `X-User-Name`, "
                    "`X-User-Roles`"
                },
                **problem_responses(401, 503),
            },
            **kwargs,
        )
        self.app = self._answer

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        try:
            response = await verify(request)
        except KitError as exc:
            response = kit_error_problem(request, exc)
        await response(scope, receive, send)


def add_verify_route(app: FastAPI) -> None:
    """Adds the route first in `app`: its router tries routes in order, and this is asked most."""
    app.router.routes.insert(0, ForwardAuthRoute())


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
