"""Access tokens: signed JWTs carrying the user, the roles and the session."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt
from redis.asyncio import Redis

from auth.accounts.models import User
from auth.sessions.exceptions import SessionRevoked
from auth.sessions.keys import SigningKey
from auth.sessions.revocation import RevocationChecks
from switchkit.identity import Identity, VerifiedTokens, decode_claims

__all__ = ["AccessTokenIssuer", "LocalTokenVerifier"]


@dataclass(frozen=True)
class AccessTokenIssuer:
    key: SigningKey
    issuer: str
    audience: str
    ttl_seconds: int

    def issue(self, *, user: User, session_id: uuid.UUID) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user.id),
            "name": user.username,
            "roles": list(user.roles),
            "sid": str(session_id),
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + self.ttl_seconds,
        }
        return jwt.encode(
            claims, self.key.private_key, algorithm="EdDSA", headers={"kid": self.key.kid}
        )


class LocalTokenVerifier:
    """The auth service's own verifier: its public key, plus the revocation list."""

    def __init__(self, *, key: SigningKey, issuer: str, audience: str, redis: Redis) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.redis = redis
        self._verified = VerifiedTokens()
        self._revocations = RevocationChecks(redis)

    async def verify(self, token: str) -> Identity:
        identity = self._verified.get(token)
        if identity is None:
            identity = decode_claims(
                token, key=self.key.public_key, issuer=self.issuer, audience=self.audience
            )
            self._verified.put(token, identity)
        if await self._revocations.is_revoked(identity):
            raise SessionRevoked
        return identity
