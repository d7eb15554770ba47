"""Ended sessions: a Redis denylist checked on every verify, and an event for live streams.

Access tokens are stateless, so signing out records the session id (`sid`) in Redis until
the last access token of that session would have expired anyway.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

from nats.js import JetStreamContext
from redis.asyncio import Redis
from redis.exceptions import RedisError

from auth.sessions.exceptions import RevocationListUnavailable
from switchkit.identity import Identity
from switchkit.messaging import publish_json
from switchkit.realtime import SESSION_REVOKED, SessionRevoked

__all__ = ["RevocationChecks", "publish_revocation", "revoke_session"]

log = logging.getLogger("auth.revocation")
_KEY = "auth:revoked-session:{}"
# One MGET stays a short command for Redis however many checks are waiting.
_MAX_KEYS_PER_READ = 1000


async def revoke_session(*, redis: Redis, session_id: uuid.UUID, ttl_seconds: int) -> None:
    try:
        await redis.set(_KEY.format(session_id), b"1", ex=max(1, ttl_seconds))
    except RedisError as exc:
        raise RevocationListUnavailable from exc


class RevocationChecks:
    """Whether sessions have ended, asked of Redis; checks that come meanwhile share a read.

    Fails closed: when Redis cannot answer, no token is accepted. Every check is answered by
    a read sent after the check began (nothing is cached), so a sign-out that Redis took
    before a request arrived is always seen. A check with no read out sends its own; the
    checks that arrive while a read is out wait for the next one, which asks for all their
    sessions with one MGET: under load, one round trip answers many checks.
    """

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reading = False
        self._waiting: list[tuple[str, asyncio.Future[bool]]] = []
        self._reader: asyncio.Task[None] | None = None

    async def is_revoked(self, identity: Identity) -> bool:
        if identity.session_id is None:
            return False
        key = _KEY.format(identity.session_id)
        try:
            if self._reading:
                answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
                self._waiting.append((key, answer))
                return await answer
            self._reading = True
            try:
                return bool(await self.redis.exists(key))
            finally:
                self._pass_on()
        except RedisError as exc:
            log.error("revocation list unavailable", extra={"error": repr(exc)})
            raise RevocationListUnavailable from exc

    def _pass_on(self) -> None:
        """A read is back: the checks that arrived meanwhile get the next one."""
        if self._waiting:
            self._reader = asyncio.create_task(self._read_waiting())
        else:
            self._reading = False

    async def _read_waiting(self) -> None:
        batch: list[tuple[str, asyncio.Future[bool]]] = []
        try:
            while self._waiting:
                batch = self._waiting[:_MAX_KEYS_PER_READ]
                del self._waiting[:_MAX_KEYS_PER_READ]
                try:
                    values = await self.redis.mget([key for key, _ in batch])
                except RedisError as exc:
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                else:
                    # The denylist holds strings, so MGET's nil means "not signed out".
                    for (_, answer), value in zip(batch, values, strict=True):
                        if not answer.done():
                            answer.set_result(value is not None)
                batch = []
        finally:
            self._reading = False
            self._reader = None
            # Cancelled (the app is stopping): no check may wait for an answer forever.
            for _, answer in [*batch, *self._waiting]:
                answer.cancel()
            self._waiting.clear()


async def publish_revocation(
    *, jetstream: JetStreamContext, user_id: uuid.UUID, session_id: uuid.UUID, reason: str
) -> None:
    """Tells services holding live streams for the user to close them (see contracts/events)."""
    event = SessionRevoked(
        user_id=user_id, session_id=session_id, reason=reason, revoked_at=datetime.now(UTC)
    )
    await publish_json(jetstream, SESSION_REVOKED, event)
