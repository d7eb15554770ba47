"""Access tokens for tests, signed by a key of the test's own, shaped like the auth service's."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from switchkit.identity import Identity, decode_claims

__all__ = ["TestTokens"]

ISSUER = "switchboard-auth"
AUDIENCE = "switchboard"


@dataclass
class TestTokens:
    """Mints tokens and verifies them, standing in for the auth service in unit tests."""

    __test__ = False  # not a test class, despite the name

    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    kid: str = "test-key"

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "name": "tester",
            "roles": ["user"],
            "sid": str(uuid.uuid4()),
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 600,
            **overrides,
        }

    def token(
        self, *, key: Ed25519PrivateKey | None = None, kid: str | None = None, **claims: Any
    ) -> str:
        """A token with these claims; `key`/`kid` forge one signed by someone else."""
        return jwt.encode(
            self.claims(**claims),
            key or self.key,
            algorithm="EdDSA",
            headers={"kid": kid or self.kid},
        )

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.OKPAlgorithm.to_jwk(
            self.key.public_key(), as_dict=True
        )
        return {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    async def verify(self, token: str) -> Identity:
        """The `TokenVerifier` protocol, checking against this key."""
        return decode_claims(token, key=self.key.public_key(), issuer=ISSUER, audience=AUDIENCE)
