"""HTTP routes of the accounts domain: sign-up, the caller, other users, roles."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from auth.accounts import service
from auth.accounts.dependencies import Admin, ValidUser
from auth.accounts.schemas import PublicUserOut, RolesIn, SignupIn, UserOut
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.problems import problem_responses
from switchkit.responses import created

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["accounts"])


@router.post(
    "/signup",
    status_code=201,
    response_model=UserOut,
    responses=problem_responses(400, 409),
    summary="Create an account",
)
async def signup(body: SignupIn, session: SessionDep, request: Request) -> Response:
    """Public. The new user has the role `user`; `Location` points at the user."""
    user = await service.create_user(
        session=session,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
    )
    return created(
        UserOut.model_validate(user), location=request.url_for("get_user", user_id=user.id)
    )


@router.get("/me", response_model=UserOut, responses=problem_responses(401), summary="The caller")
async def me(identity: CurrentUser, session: SessionDep) -> UserOut:
    user = await service.get_user(session=session, user_id=identity.user_id)
    return UserOut.model_validate(user)


@router.get(
    "/users/{user_id}",
    response_model=PublicUserOut,
    responses=problem_responses(401, 404),
    summary="A user's public profile",
)
async def get_user(_: CurrentUser, user: ValidUser) -> PublicUserOut:
    return PublicUserOut.model_validate(user)


@router.put(
    "/users/{user_id}/roles",
    response_model=UserOut,
    responses=problem_responses(400, 401, 403, 404, 409),
    summary="Replace a user's roles (admin only)",
)
async def put_roles(admin: Admin, user: ValidUser, body: RolesIn, session: SessionDep) -> UserOut:
    """Tokens already issued keep their roles until they expire (at most 15 minutes)."""
    updated = await service.set_roles(
        session=session, user=user, roles=set(body.roles), actor_id=admin.user_id
    )
    return UserOut.model_validate(updated)
