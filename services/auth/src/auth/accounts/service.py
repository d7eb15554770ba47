"""Creating users, finding them, and changing their roles."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.accounts.exceptions import CannotDropOwnAdmin, UsernameTaken, UserNotFound, WeakPassword
from auth.accounts.models import User
from auth.accounts.passwords import hash_password, password_problems
from auth.accounts.roles import Role
from switchkit.db import add_unique

__all__ = ["create_user", "ensure_admin", "find_by_username", "get_user", "set_roles"]

log = logging.getLogger("auth.accounts")


async def create_user(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    display_name: str | None = None,
    roles: frozenset[Role] = frozenset({Role.USER}),
) -> User:
    problems = password_problems(password, username=username)
    if problems:
        raise WeakPassword(problems)
    user = User(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        password_hash=await hash_password(password),
        roles=sorted(role.value for role in roles | {Role.USER}),
    )
    await add_unique(
        session,
        user,
        find_existing=lambda: find_by_username(session=session, username=username),
        conflict=lambda _: UsernameTaken(username),
    )
    await session.refresh(user)
    log.info("user created", extra={"user_id": str(user.id), "username": username})
    return user


async def find_by_username(*, session: AsyncSession, username: str) -> User | None:
    query = select(User).where(func.lower(User.username) == username.lower())
    return (await session.execute(query)).scalar_one_or_none()


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound
    return user


async def set_roles(
    *, session: AsyncSession, user: User, roles: set[Role], actor_id: uuid.UUID
) -> User:
    new_roles = sorted(role.value for role in roles | {Role.USER})
    if user.id == actor_id and Role.ADMIN not in new_roles:
        raise CannotDropOwnAdmin
    previous = list(user.roles)
    user.roles = new_roles
    await session.flush()
    log.info(
        "roles changed",
        extra={"user_id": str(user.id), "from": previous, "to": new_roles, "actor": str(actor_id)},
    )
    return user


async def ensure_admin(*, session: AsyncSession, username: str, password: str) -> User:
    """Creates the admin, or grants the role to an existing user (its password is kept)."""
    user = await find_by_username(session=session, username=username)
    if user is None:
        try:
            return await create_user(
                session=session,
                username=username,
                password=password,
                roles=frozenset({Role.USER, Role.ADMIN}),
            )
        except UsernameTaken:
            # Another replica, starting at the same moment, created it first.
            user = await find_by_username(session=session, username=username)
            assert user is not None, "the username is taken, so its user exists"
    if Role.ADMIN not in user.roles:
        user.roles = sorted({*user.roles, Role.ADMIN.value})
        await session.flush()
        log.info("admin role granted", extra={"user_id": str(user.id), "username": username})
    return user
