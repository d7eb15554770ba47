"""The NATS subjects chat messages travel on between nodes, and publishing to them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from switchkit.messaging import NatsClient, publish_json

__all__ = ["MessageBus", "inbox_subject", "room_subject"]


def room_subject(room_id: uuid.UUID) -> str:
    return f"chat.room.{room_id}"


def inbox_subject(user_id: uuid.UUID) -> str:
    return f"chat.inbox.{user_id}"


class MessageBus:
    """Publishes stored messages; Postgres stays the truth, NATS only carries the news."""

    def __init__(self, nats: NatsClient) -> None:
        self.nats = nats

    async def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        await publish_json(self.nats, subject, message)
