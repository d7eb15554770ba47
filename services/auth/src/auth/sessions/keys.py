"""The Ed25519 key that signs access tokens, and its public half as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auth.config import Settings

__all__ = ["SigningKey", "generate_private_key_pem", "load_signing_key"]

log = logging.getLogger("auth.keys")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    kid: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        return {**_okp_members(self.public_key), "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the JWT signing key must be an Ed25519 private key")
        return cls(private_key=key, kid=_thumbprint(key.public_key()))


def _okp_members(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}


def _thumbprint(public_key: Ed25519PublicKey) -> str:
    # RFC 7638: the SHA-256 of the required members, sorted, without whitespace.
    canonical = json.dumps(_okp_members(public_key), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def generate_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_signing_key(settings: Settings) -> SigningKey:
    if settings.jwt_private_key is not None:
        return SigningKey.from_pem(settings.jwt_private_key.get_secret_value().encode())
    if settings.jwt_private_key_file is not None:
        return SigningKey.from_pem(Path(settings.jwt_private_key_file).read_bytes())
    # Only reachable outside prod (the settings refuse prod without a key): tokens signed
    # by this key die with the process and are not shared between replicas.
    log.warning("no JWT signing key configured; using a throwaway key")
    return SigningKey.from_pem(generate_private_key_pem())
