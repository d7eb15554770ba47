"""New reviews, live: announced on NATS once committed, fanned out to this replica's listeners.

Every replica subscribes to every book's subject once and hands each review to the
listeners (SSE streams, GraphQL subscriptions) it holds for that book, so a client connected
to one replica sees reviews posted through any other. A listener's queue is bounded: one
that cannot keep up is ended with a reason rather than growing without limit. A listener
also ends when its sign-in session is revoked (the auth service's event) or its token expires.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from switchkit.messaging import NatsClient

__all__ = ["REVIEW_ADDED", "ReviewFeed", "StreamEnded"]

log = logging.getLogger("reviews.feed")
REVIEW_ADDED = "reviews.book.{book_id}.review-added"
SESSION_REVOKED = "auth.session.revoked"


class StreamEnded(Exception):
    """The listener was ended: signed out, token expired, too slow, or shutting down."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class Listener:
    book_id: int
    session_id: uuid.UUID | None
    expires_at: float
    """Unix time the caller's token expires; the stream ends then."""
    queue: asyncio.Queue[dict[str, Any] | StreamEnded] = field(
        default_factory=lambda: asyncio.Queue(maxsize=100)
    )

    def offer(self, review: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(review)
        except asyncio.QueueFull:
            self.end("too slow: the stream fell too far behind")

    def end(self, reason: str) -> None:
        # Make room so the reason is the next thing the consumer reads.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(StreamEnded(reason))

    async def reviews(self) -> AsyncIterator[dict[str, Any]]:
        """The reviews offered to this listener, until it ends (then StreamEnded)."""
        while True:
            remaining = self.expires_at - time.time()
            if remaining <= 0:
                raise StreamEnded("token expired")
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout=remaining)
            except TimeoutError:
                raise StreamEnded("token expired") from None
            if isinstance(item, StreamEnded):
                raise item
            yield item


class ReviewFeed:
    def __init__(self, nats: NatsClient) -> None:
        self.nats = nats
        self._by_book: dict[int, set[Listener]] = defaultdict(set)
        self._subscriptions: list[Subscription] = []

    async def start(self) -> None:
        self._subscriptions = [
            await self.nats.subscribe(REVIEW_ADDED.format(book_id="*"), cb=self._on_review),
            await self.nats.subscribe(SESSION_REVOKED, cb=self._on_revoked),
        ]

    async def stop(self) -> None:
        for subscription in self._subscriptions:
            await subscription.unsubscribe()
        for listener in self._listeners():
            listener.end("the server is shutting down")

    async def announce(self, review: dict[str, Any]) -> None:
        """Publishes a committed review (the JSON of ReviewOut) to every replica."""
        subject = REVIEW_ADDED.format(book_id=review["bookId"])
        await self.nats.publish(subject, json.dumps(review).encode())

    @asynccontextmanager
    async def listen(
        self, *, book_id: int, session_id: uuid.UUID | None, expires_at: float
    ) -> AsyncIterator[Listener]:
        listener = Listener(book_id=book_id, session_id=session_id, expires_at=expires_at)
        self._by_book[book_id].add(listener)
        try:
            yield listener
        finally:
            listeners = self._by_book.get(book_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._by_book[book_id]

    def _listeners(self) -> list[Listener]:
        return [listener for group in self._by_book.values() for listener in group]

    async def _on_review(self, message: Msg) -> None:
        try:
            review = json.loads(message.data)
            book_id = int(review["bookId"])
        except (ValueError, KeyError, TypeError):
            log.error("malformed review event", extra={"subject": message.subject})
            return
        for listener in list(self._by_book.get(book_id, ())):
            listener.offer(review)

    async def _on_revoked(self, message: Msg) -> None:
        try:
            session_id = uuid.UUID(json.loads(message.data)["sessionId"])
        except (ValueError, KeyError, TypeError):
            log.error("malformed revocation event", extra={"subject": message.subject})
            return
        for listener in self._listeners():
            if listener.session_id == session_id:
                listener.end("signed out")
