"""Route dependencies of the accounts domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from auth.accounts import service
from auth.accounts.models import User
from auth.accounts.roles import Role
from switchkit.db import SessionDep
from switchkit.identity import Identity, require_roles

__all__ = ["Admin", "ValidUser"]


async def valid_user(user_id: uuid.UUID, session: SessionDep) -> User:
    return await service.get_user(session=session, user_id=user_id)


ValidUser = Annotated[User, Depends(valid_user)]
Admin = Annotated[Identity, Depends(require_roles(Role.ADMIN))]
