"""Who is calling: the bearer JWT verified against the auth service's keys, never headers alone.

The gateway's ForwardAuth already checked the token, but a request can reach a service by
another path; so every service verifies the signature itself (keys from the JWKS, cached)
and treats the gateway's `X-User-*` headers only as a hint that must agree with the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Protocol
from urllib.parse import parse_qs

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.requests import HTTPConnection

from switchkit.problems import Forbidden, ServiceUnavailable, Unauthorized

__all__ = [
    "CurrentUser",
    "Identity",
    "JwksTokenVerifier",
    "TokenVerifier",
    "VerifiedTokens",
    "bearer_token",
    "current_user",
    "decode_claims",
    "identify",
    "require_roles",
]

log = logging.getLogger("switchkit.identity")
ALGORITHMS = ["EdDSA", "RS256"]


@dataclass(frozen=True)
class Identity:
    user_id: uuid.UUID
    username: str
    roles: frozenset[str]
    token_id: str
    expires_at: int
    session_id: uuid.UUID | None = None
    """The sign-in session the token belongs to (its `sid` claim); sign-out ends it."""

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Identity: ...


def decode_claims(token: str, *, key: Any, issuer: str, audience: str) -> Identity:
    """Checks signature, expiry, issuer and audience; any failure is a 401."""
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=ALGORITHMS,
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
        )
        return Identity(
            user_id=uuid.UUID(claims["sub"]),
            username=str(claims.get("name", "")),
            roles=frozenset(str(r) for r in claims.get("roles", [])),
            token_id=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            session_id=uuid.UUID(claims["sid"]) if "sid" in claims else None,
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired.", error="invalid_token") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise Unauthorized("The access token is not valid.", error="invalid_token") from exc


class VerifiedTokens:
    """Tokens that already passed `decode_claims`, so the next request with one skips the check.

    A client sends the same access token with every request until it expires; checking its
    Ed25519 signature again each time is most of what authentication costs. The memo is keyed
    by the whole token, so a token differing by one byte is checked afresh; expiry is checked on
    every hit, and the oldest entries make way when the memo is full. Revocation is not a
    property of the token: whoever checks it (auth's verify) still does so on every request.
    """

    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._entries: dict[str, Identity] = {}
        self._max_entries = max_entries

    def get(self, token: str) -> Identity | None:
        identity = self._entries.get(token)
        if identity is None:
            return None
        if identity.expires_at <= time.time():
            # PyJWT's rule: a token is expired from its `exp` second on.
            del self._entries[token]
            raise Unauthorized("The access token has expired.", error="invalid_token")
        return identity

    def put(self, token: str, identity: Identity) -> None:
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = identity

    def clear(self) -> None:
        self._entries.clear()


class JwksTokenVerifier:
    """Verifies tokens with the public keys the auth service publishes.

    Keys are cached; an unknown `kid` (the auth service rotated its key) triggers one
    refetch, at most every `min_refresh_seconds`, so a flood of forged kids cannot turn
    into a flood of requests to the auth service.
    """

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        client: httpx.AsyncClient | None = None,
        min_refresh_seconds: float = 30.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self._client = client or httpx.AsyncClient(timeout=3.0)
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._min_refresh = min_refresh_seconds
        self._lock = asyncio.Lock()
        self._verified = VerifiedTokens()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def verify(self, token: str) -> Identity:
        identity = self._verified.get(token)
        if identity is not None:
            return identity
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The access token is not valid.", error="invalid_token") from exc
        key = await self._key(str(kid))
        identity = decode_claims(token, key=key, issuer=self.issuer, audience=self.audience)
        self._verified.put(token, identity)
        return identity

    async def _key(self, kid: str) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_refresh:
                await self._refresh()
        if kid not in self._keys:
            raise Unauthorized("The token is signed by an unknown key.", error="invalid_token")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            response = await self._client.get(self.jwks_url)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, jwt.PyJWKSetError, ValueError) as exc:
            log.error("cannot fetch the JWKS", extra={"url": self.jwks_url, "error": repr(exc)})
            raise ServiceUnavailable("Token keys are unavailable; try again shortly.") from exc
        keys = {k.key_id: k.key for k in jwks.keys if k.key_id}
        if keys.keys() != self._keys.keys():
            # A key withdrawn from the set must stop vouching for tokens it signed.
            self._verified.clear()
        self._keys = keys
        self._fetched_at = time.monotonic()


_bearer_scheme = HTTPBearer(auto_error=False, description="An access token from /auth/signin")


def bearer_token(request: HTTPConnection) -> str | None:
    """The token from `Authorization: Bearer`, else from an `access_token` query parameter.

    Browsers cannot set headers on WebSocket or EventSource requests, so they pass the
    token in the URL; at ForwardAuth that URL arrives in `X-Forwarded-Uri`.

    A request that names a token more than once (`?access_token=a&access_token=b`, or a
    header and a parameter) is refused: the gateway's check and the service behind it must
    read the same token, and two readers picking "the first" and "the last" would not.
    """
    tokens = request.query_params.getlist("access_token")
    forwarded_uri = request.headers.get("x-forwarded-uri")
    if forwarded_uri and "?" in forwarded_uri:
        tokens += parse_qs(forwarded_uri.split("?", 1)[1]).get("access_token", [])
    header = request.headers.get("authorization")
    if len(tokens) + bool(header) > 1:
        raise Unauthorized("Send the access token once.", error="invalid_request")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None
    return tokens[0] if tokens and tokens[0] else None


async def identify(connection: HTTPConnection) -> Identity:
    """The verified caller of a request or WebSocket; 401 when there is none."""
    token = bearer_token(connection)
    if token is None:
        if connection.headers.get("authorization"):
            raise Unauthorized("Use the Bearer scheme.", error="invalid_request")
        raise Unauthorized("A bearer access token is required.")
    verifier: TokenVerifier = connection.app.state.token_verifier
    identity = await verifier.verify(token)
    claimed = connection.headers.get("x-user-id")
    if claimed is not None and claimed != str(identity.user_id):
        raise Unauthorized("The identity headers do not match the token.", error="invalid_token")
    return identity


async def current_user(request: Request, _: Any = Depends(_bearer_scheme)) -> Identity:
    return await identify(request)


CurrentUser = Annotated[Identity, Depends(current_user)]


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Identity]]:
    """A dependency that lets through only callers holding one of `roles`."""

    async def dependency(user: CurrentUser) -> Identity:
        if not user.has_any_role(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(sorted(roles))}.")
        return user

    return dependency
