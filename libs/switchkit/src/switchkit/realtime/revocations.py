"""The end of a sign-in session as the auth service announces it, and watching for it.

`auth.session.revoked` is published by auth (through its JetStream stream `AUTH_EVENTS`) when a
session ends: on sign-out, or when a rotated refresh token is presented again. Services that
hold live streams end the ones of that session. The event's schema is
`contracts/events/auth.session.revoked.json`; `SessionRevoked` is that schema in code (a test
keeps the two equal), used by the publisher and by every consumer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Literal

from nats.aio.subscription import Subscription
from pydantic import AwareDatetime, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from switchkit.messaging import NatsClient, subscribe_json

__all__ = ["SESSION_REVOKED", "RevocationReason", "SessionRevoked", "watch_revocations"]

SESSION_REVOKED = "auth.session.revoked"
RevocationReason = Literal["signout", "refresh-token-reuse"]


class SessionRevoked(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    user_id: uuid.UUID
    """The `sub` of the session's tokens."""
    session_id: uuid.UUID
    """The `sid` claim of the session's access tokens."""
    reason: RevocationReason
    revoked_at: AwareDatetime


async def watch_revocations(
    nats: NatsClient, on_revoked: Callable[[uuid.UUID], None]
) -> Subscription:
    """Tells `on_revoked` the id of each sign-in session that ends; unsubscribe to stop."""

    def revoked(payload: Any) -> None:
        on_revoked(SessionRevoked.model_validate(payload).session_id)

    return await subscribe_json(nats, SESSION_REVOKED, revoked)
