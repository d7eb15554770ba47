"""One per chat node: NATS subscriptions for what local clients follow, and the fan-out to them.

A node subscribes to a room's (or inbox's) subject only while one of its clients follows it,
so 10,000 clients spread over several nodes cost each node only the subjects its own clients
need. Who follows what, sign-out (`auth.session.revoked`) and shutdown are the kit's
`Listeners`; this adds the subscriptions per stream.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nats.aio.subscription import Subscription

from chat.live.streams import Message, StreamKey, Subscriber
from switchkit.messaging import NatsClient, subscribe_json
from switchkit.realtime import Listeners

__all__ = ["Hub"]

log = logging.getLogger("chat.hub")


class Hub:
    def __init__(self, nats: NatsClient) -> None:
        self.nats = nats
        self.listeners: Listeners[StreamKey, tuple[StreamKey, Message]] = Listeners()
        self._subscriptions: dict[StreamKey, asyncio.Task[Subscription]] = {}
        self._unsubscribing: set[asyncio.Task[None]] = set()

    @property
    def followed(self) -> frozenset[StreamKey]:
        """The streams this node is subscribed to, because a client of its follows them."""
        return frozenset(self._subscriptions)

    async def start(self) -> None:
        await self.listeners.start(self.nats)

    async def stop(self) -> None:
        await self.listeners.stop()
        for stream in list(self._subscriptions):
            self._unsubscribe(stream)
        await asyncio.gather(*self._unsubscribing, return_exceptions=True)

    def connect(self, subscriber: Subscriber) -> None:
        self.listeners.connect(subscriber)

    def disconnect(self, subscriber: Subscriber) -> None:
        """Synchronous, so that it completes in the cleanup of a cancelled stream."""
        for stream in self.listeners.disconnect(subscriber):
            self._unsubscribe(stream)

    async def follow(self, subscriber: Subscriber, stream: StreamKey) -> None:
        """Registers before any backlog is read, so nothing published meanwhile is lost;
        returns once the node's subscription to the stream is live at the server."""
        if self.listeners.follow(subscriber, stream):
            self._subscriptions[stream] = asyncio.create_task(self._subscribe(stream))
        await asyncio.shield(self._subscriptions[stream])

    def unfollow(self, subscriber: Subscriber, stream: StreamKey) -> None:
        subscriber.cursors.pop(stream, None)
        if self.listeners.unfollow(subscriber, stream):
            self._unsubscribe(stream)

    async def _subscribe(self, stream: StreamKey) -> Subscription:
        def deliver(message: Any) -> None:
            int(message["seq"])  # not a message: subscribe_json logs and drops it
            self.listeners.offer(stream, (stream, message))

        subscription = await subscribe_json(self.nats, stream.subject, deliver)
        # The subscription must be live at the server before a follower reads the backlog.
        await self.nats.flush()
        return subscription

    def _unsubscribe(self, stream: StreamKey) -> None:
        subscribing = self._subscriptions.pop(stream, None)
        if subscribing is None:
            return

        async def unsubscribe() -> None:
            try:
                await (await subscribing).unsubscribe()
            except Exception as exc:  # NATS is closing or gone: the server forgets it anyway
                log.warning(
                    "unsubscribe failed", extra={"subject": stream.subject, "error": repr(exc)}
                )

        task = asyncio.create_task(unsubscribe())
        self._unsubscribing.add(task)
        task.add_done_callback(self._unsubscribing.discard)
