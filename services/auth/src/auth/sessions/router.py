"""HTTP routes of the sessions domain: sign-in, refresh, sign-out, JWKS (verify: forward_auth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from auth.sessions import service
from auth.sessions.dependencies import ClientAddress, SessionsDep
from auth.sessions.schemas import RefreshIn, SigninIn, TokenPair
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.problems import problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["sessions"])
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/signin",
    response_model=TokenPair,
    responses=problem_responses(400, 401, 429),
    summary="Sign in: trade a username and password for tokens",
)
async def signin(
    body: SigninIn,
    session: SessionDep,
    sessions: SessionsDep,
    client: ClientAddress,
    response: Response,
) -> TokenPair:
    """Public. Repeated failures for one username from one client answer 429 with `Retry-After`."""
    response.headers.update(NO_STORE)
    return await service.signin(
        session=session, ctx=sessions, username=body.username, password=body.password, client=client
    )


@router.post(
    "/refresh",
    response_model=TokenPair,
    responses=problem_responses(400, 401),
    summary="Trade a refresh token for a new pair",
)
async def refresh(
    body: RefreshIn, session: SessionDep, sessions: SessionsDep, response: Response
) -> TokenPair:
    """Public. Each refresh token works once; reusing one ends every token of its sign-in."""
    response.headers.update(NO_STORE)
    return await service.refresh(session=session, ctx=sessions, refresh_token=body.refresh_token)


@router.post(
    "/signout",
    status_code=204,
    responses=problem_responses(401),
    summary="Sign out: end this sign-in's access and refresh tokens",
)
async def signout(identity: CurrentUser, session: SessionDep, sessions: SessionsDep) -> Response:
    await service.signout(session=session, ctx=sessions, identity=identity)
    return Response(status_code=204)


@router.get(
    "/.well-known/jwks.json",
    summary="The public keys that verify access tokens",
    responses={200: {"description": "A JSON Web Key Set"}},
)
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    """Public. Services cache it; a token with an unknown `kid` makes them fetch it again."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"keys": [request.app.state.signing_key.public_jwk()]}
