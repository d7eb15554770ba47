"""NATS: one connection per service, opened and drained in the lifespan, errors always logged."""

from __future__ import annotations

import json
import logging
from typing import Any

import nats
from nats.aio.client import Client as NatsClient

__all__ = ["NatsClient", "connect_nats", "publish_json"]

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


async def publish_json(client: NatsClient, subject: str, payload: dict[str, Any]) -> None:
    await client.publish(subject, json.dumps(payload, default=str).encode())
