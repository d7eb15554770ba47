"""One per chat node: NATS subscriptions for what local clients follow, and the fan-out to them.

A node subscribes to a room's (or inbox's) subject only while one of its clients follows it,
so 10,000 clients spread over several nodes cost each node only the subjects its own clients
need. The auth service's `auth.session.revoked` ends the connections of a signed-out session.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from chat.live.streams import StreamKey, Subscriber
from switchkit.messaging import NatsClient

__all__ = ["Hub"]

log = logging.getLogger("chat.hub")
SESSION_REVOKED = "auth.session.revoked"


class Hub:
    def __init__(self, nats: NatsClient) -> None:
        self.nats = nats
        self._followers: dict[StreamKey, set[Subscriber]] = defaultdict(set)
        self._subscriptions: dict[StreamKey, Subscription] = {}
        self._connections: set[Subscriber] = set()
        self._revocations: Subscription | None = None

    async def start(self) -> None:
        self._revocations = await self.nats.subscribe(SESSION_REVOKED, cb=self._on_revoked)

    async def stop(self) -> None:
        if self._revocations is not None:
            await self._revocations.unsubscribe()
        for subscriber in list(self._connections):
            subscriber.end("the server is shutting down")
        for subscription in self._subscriptions.values():
            await subscription.unsubscribe()
        self._subscriptions.clear()

    def connect(self, subscriber: Subscriber) -> None:
        self._connections.add(subscriber)

    async def disconnect(self, subscriber: Subscriber) -> None:
        self._connections.discard(subscriber)
        for stream in list(subscriber.cursors):
            await self.unfollow(subscriber, stream)

    async def follow(self, subscriber: Subscriber, stream: StreamKey) -> None:
        """Registers before any backlog is read, so nothing published meanwhile is lost."""
        self._followers[stream].add(subscriber)
        if stream not in self._subscriptions:
            self._subscriptions[stream] = await self.nats.subscribe(
                stream.subject, cb=self._deliver_to(stream)
            )
            # The subscription must be live at the server before the caller reads the backlog.
            await self.nats.flush()

    async def unfollow(self, subscriber: Subscriber, stream: StreamKey) -> None:
        subscriber.cursors.pop(stream, None)
        followers = self._followers.get(stream)
        if followers is None:
            return
        followers.discard(subscriber)
        if not followers:
            del self._followers[stream]
            subscription = self._subscriptions.pop(stream, None)
            if subscription is not None:
                await subscription.unsubscribe()

    def _deliver_to(self, stream: StreamKey) -> Callable[[Msg], Awaitable[None]]:
        async def deliver(message: Msg) -> None:
            try:
                payload = json.loads(message.data)
            except ValueError:
                log.error("malformed chat message on NATS", extra={"subject": message.subject})
                return
            for subscriber in list(self._followers.get(stream, ())):
                subscriber.offer(stream, payload)

        return deliver

    async def _on_revoked(self, message: Msg) -> None:
        try:
            session_id = uuid.UUID(json.loads(message.data)["sessionId"])
        except (ValueError, KeyError, TypeError):
            log.error("malformed revocation event")
            return
        for subscriber in list(self._connections):
            if subscriber.session_id == session_id:
                subscriber.end("signed out")
