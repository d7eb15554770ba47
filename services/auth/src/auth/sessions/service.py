"""Signing in, rotating refresh tokens, signing out."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.accounts import service as accounts
from auth.accounts.models import User
from auth.accounts.passwords import verify_password
from auth.sessions.exceptions import BadCredentials, InvalidRefreshToken
from auth.sessions.models import RefreshToken
from auth.sessions.revocation import publish_revocation, revoke_session
from auth.sessions.schemas import TokenPair
from auth.sessions.throttle import SigninThrottle
from auth.sessions.tokens import AccessTokenIssuer
from switchkit.identity import Identity

__all__ = ["SessionsContext", "refresh", "signin", "signout"]

log = logging.getLogger("auth.sessions")


@dataclass(frozen=True)
class SessionsContext:
    """What the session logic needs besides the database, built once at start-up."""

    issuer: AccessTokenIssuer
    redis: Redis
    jetstream: JetStreamContext
    throttle: SigninThrottle
    refresh_ttl: timedelta


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _new_pair(
    *, session: AsyncSession, ctx: SessionsContext, user: User, family_id: uuid.UUID
) -> TokenPair:
    refresh_token = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=_hash(refresh_token),
            family_id=family_id,
            user_id=user.id,
            expires_at=datetime.now(UTC) + ctx.refresh_ttl,
        )
    )
    await session.flush()
    return TokenPair(
        access_token=ctx.issuer.issue(user=user, session_id=family_id),
        refresh_token=refresh_token,
        expires_in=ctx.issuer.ttl_seconds,
    )


async def signin(
    *, session: AsyncSession, ctx: SessionsContext, username: str, password: str, client: str
) -> TokenPair:
    await ctx.throttle.check(username=username, client=client)
    user = await accounts.find_by_username(session=session, username=username)
    # An unknown user costs the same hash verification as a wrong password.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        await ctx.throttle.record_failure(username=username, client=client)
        log.info("sign-in failed", extra={"username": username, "client": client})
        raise BadCredentials
    await ctx.throttle.reset(username=username, client=client)
    pair = await _new_pair(session=session, ctx=ctx, user=user, family_id=uuid.uuid4())
    log.info("signed in", extra={"user_id": str(user.id)})
    return pair


async def refresh(*, session: AsyncSession, ctx: SessionsContext, refresh_token: str) -> TokenPair:
    """Rotates the token; presenting an already rotated one ends its whole family."""
    token_hash = _hash(refresh_token)
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    current = (await session.execute(query)).scalar_one_or_none()
    now = datetime.now(UTC)
    if current is None or current.revoked_at is not None or current.expires_at <= now:
        raise InvalidRefreshToken
    if current.rotated_at is not None:
        await _end_family(
            session=session,
            ctx=ctx,
            user_id=current.user_id,
            family_id=current.family_id,
            reason="refresh-token-reuse",
        )
        # The 401 below rolls the request back; the revocation must survive it.
        await session.commit()
        log.warning(
            "rotated refresh token reused; family revoked",
            extra={"user_id": str(current.user_id), "family_id": str(current.family_id)},
        )
        raise InvalidRefreshToken
    current.rotated_at = now
    user = await accounts.get_user(session=session, user_id=current.user_id)
    return await _new_pair(session=session, ctx=ctx, user=user, family_id=current.family_id)


async def signout(*, session: AsyncSession, ctx: SessionsContext, identity: Identity) -> None:
    if identity.session_id is None:
        return
    await _end_family(
        session=session,
        ctx=ctx,
        user_id=identity.user_id,
        family_id=identity.session_id,
        reason="signout",
    )
    log.info("signed out", extra={"user_id": str(identity.user_id)})


async def _end_family(
    *,
    session: AsyncSession,
    ctx: SessionsContext,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    reason: str,
) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    # Access tokens of the family stay valid on their own until they expire: deny them.
    await revoke_session(redis=ctx.redis, session_id=family_id, ttl_seconds=ctx.issuer.ttl_seconds)
    try:
        await publish_revocation(
            jetstream=ctx.jetstream, user_id=user_id, session_id=family_id, reason=reason
        )
    except NatsError as exc:
        # The gateway already refuses the session; only open streams miss the news.
        log.error("revocation event not published", extra={"error": repr(exc)})
