"""New reviews, live: announced on NATS once committed, fanned out to this replica's listeners.

Every replica subscribes to every book's subject once and hands each review to the listeners
(SSE streams, GraphQL subscriptions) it holds for that book, so a client connected to one
replica sees reviews posted through any other. The listeners are the kit's
(switchkit.realtime): bounded, and ended with a reason when too slow, signed out, expired,
or at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nats.aio.subscription import Subscription

from switchkit.identity import Identity
from switchkit.messaging import NatsClient, publish_json, subscribe_json
from switchkit.realtime import Listener, Listeners

__all__ = ["QUEUE_SIZE", "REVIEW_ADDED", "Review", "ReviewFeed"]

REVIEW_ADDED = "reviews.book.{book_id}.review-added"
QUEUE_SIZE = 100
"""Reviews a listener may lag behind before it is ended."""
Review = dict[str, Any]
"""A review as the REST API answers it (contracts/events/reviews.book.review-added.json)."""


class ReviewFeed:
    def __init__(self, nats: NatsClient) -> None:
        self.nats = nats
        self.listeners: Listeners[int, Review] = Listeners()
        self._reviews: Subscription | None = None

    async def start(self) -> None:
        await self.listeners.start(self.nats)
        self._reviews = await subscribe_json(
            self.nats, REVIEW_ADDED.format(book_id="*"), self._on_review
        )

    async def stop(self) -> None:
        if self._reviews is not None:
            await self._reviews.unsubscribe()
        await self.listeners.stop()

    async def announce(self, review: Review) -> None:
        """Publishes a committed review (the JSON of ReviewOut) to every replica."""
        await publish_json(self.nats, REVIEW_ADDED.format(book_id=review["bookId"]), review)

    @asynccontextmanager
    async def listen(self, *, book_id: int, caller: Identity) -> AsyncIterator[Listener[Review]]:
        """A listener to the reviews of `book_id` posted from now on, until the block ends."""
        listener: Listener[Review] = Listener(caller=caller, queue_size=QUEUE_SIZE)
        self.listeners.follow(listener, book_id)
        try:
            yield listener
        finally:
            self.listeners.disconnect(listener)

    def _on_review(self, review: Review) -> None:
        self.listeners.offer(int(review["bookId"]), review)
