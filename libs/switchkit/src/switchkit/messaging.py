"""NATS: one connection per service, opened and drained in the lifespan, errors always logged;
JSON events published and received one way."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from pydantic import BaseModel

__all__ = ["NatsClient", "connect_nats", "publish_json", "subscribe_json"]

log = logging.getLogger("switchkit.nats")


async def connect_nats(*, url: str, name: str) -> NatsClient:
    async def on_error(exc: Exception) -> None:
        log.error("nats error", extra={"error": repr(exc)})

    async def on_disconnected() -> None:
        log.warning("nats disconnected")

    async def on_reconnected() -> None:
        log.info("nats reconnected")

    client: NatsClient = await nats.connect(
        servers=[url],
        name=name,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
        connect_timeout=2,
        max_reconnect_attempts=-1,
    )
    return client


async def publish_json(
    client: NatsClient | JetStreamContext, subject: str, payload: Mapping[str, Any] | BaseModel
) -> None:
    """Publishes `payload` as JSON: on core NATS (at most once), or through JetStream, which
    returns once the stream has stored it. A model is written by its aliases, as the API does."""
    if isinstance(payload, BaseModel):
        data = payload.model_dump_json(by_alias=True).encode()
    else:
        data = json.dumps(payload, default=str).encode()
    await client.publish(subject, data)


async def subscribe_json(
    client: NatsClient, subject: str, handler: Callable[[Any], None]
) -> Subscription:
    """Hands each JSON payload on `subject` (wildcards allowed) to `handler`.

    A message that is not JSON, or whose shape `handler` rejects (by raising ValueError,
    KeyError or TypeError, as indexing and pydantic do), is logged and dropped: one bad
    publisher must not stop the subscription.
    """

    async def deliver(message: Msg) -> None:
        try:
            handler(json.loads(message.data))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("malformed event", extra={"subject": message.subject, "error": repr(exc)})

    return await client.subscribe(subject, cb=deliver)
