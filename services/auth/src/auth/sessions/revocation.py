"""Ended sessions: a Redis denylist checked on every verify, and an event for live streams.

Access tokens are stateless, so signing out records the session id (`sid`) in Redis until
the last access token of that session would have expired anyway.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

from nats.js import JetStreamContext
from redis.asyncio import Redis
from redis.exceptions import RedisError

from auth.sessions.exceptions import RevocationListUnavailable
from switchkit.identity import Identity

__all__ = ["REVOKED_SUBJECT", "is_revoked", "publish_revocation", "revoke_session"]

log = logging.getLogger("auth.revocation")
REVOKED_SUBJECT = "auth.session.revoked"
_KEY = "auth:revoked-session:{}"


async def revoke_session(*, redis: Redis, session_id: uuid.UUID, ttl_seconds: int) -> None:
    try:
        await redis.set(_KEY.format(session_id), b"1", ex=max(1, ttl_seconds))
    except RedisError as exc:
        raise RevocationListUnavailable from exc


async def is_revoked(*, redis: Redis, identity: Identity) -> bool:
    """Fails closed: when Redis cannot answer, no token is accepted."""
    if identity.session_id is None:
        return False
    try:
        return bool(await redis.exists(_KEY.format(identity.session_id)))
    except RedisError as exc:
        log.error("revocation list unavailable", extra={"error": repr(exc)})
        raise RevocationListUnavailable from exc


async def publish_revocation(
    *, jetstream: JetStreamContext, user_id: uuid.UUID, session_id: uuid.UUID, reason: str
) -> None:
    """Tells services holding live streams for the user to close them (see contracts/events)."""
    event = {
        "userId": str(user_id),
        "sessionId": str(session_id),
        "reason": reason,
        "revokedAt": datetime.now(UTC).isoformat(),
    }
    await jetstream.publish(REVOKED_SUBJECT, json.dumps(event).encode())
