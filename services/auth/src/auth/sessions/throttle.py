"""Throttles repeated failed sign-ins for one username from one client."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from auth.sessions.exceptions import TooManySigninFailures

__all__ = ["SigninThrottle"]

log = logging.getLogger("auth.throttle")


@dataclass(frozen=True)
class SigninThrottle:
    """Counts failures in a fixed window; at the limit, sign-in answers 429 until it ends.

    The check comes before the password is verified, so a locked-out attacker learns
    nothing from further guesses. If Redis is unreachable the throttle lets requests
    through (sign-in stays available) and says so in the log.
    """

    redis: Redis
    max_failures: int
    window_seconds: int

    def _key(self, username: str, client: str) -> str:
        digest = hashlib.sha256(f"{username.lower()}\x00{client}".encode()).hexdigest()
        return f"auth:signin-failures:{digest}"

    async def check(self, *, username: str, client: str) -> None:
        key = self._key(username, client)
        try:
            failures = await self.redis.get(key)
            if failures is not None and int(failures) >= self.max_failures:
                ttl = await self.redis.ttl(key)
                raise TooManySigninFailures(retry_after=ttl if ttl > 0 else self.window_seconds)
        except RedisError as exc:
            log.warning("sign-in throttle unavailable", extra={"error": repr(exc)})

    async def record_failure(self, *, username: str, client: str) -> None:
        key = self._key(username, client)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.window_seconds, nx=True)
                await pipe.execute()
        except RedisError as exc:
            log.warning("sign-in throttle unavailable", extra={"error": repr(exc)})

    async def reset(self, *, username: str, client: str) -> None:
        try:
            await self.redis.delete(self._key(username, client))
        except RedisError as exc:
            log.warning("sign-in throttle unavailable", extra={"error": repr(exc)})
