"""Live streams to clients: one bounded queue per listener, and the listeners of a process.

A listener is one client's stream (an SSE response, a WebSocket, a GraphQL subscription). Its
queue is bounded: a client that cannot keep up is ended with a reason rather than buffered
without limit. It also ends when the caller's token expires, when their sign-in session is
revoked, and when the server shuts down; the client is told why (`StreamEnded.reason`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Hashable
from typing import Generic, TypeVar

from nats.aio.subscription import Subscription

from switchkit.identity import Identity
from switchkit.messaging import NatsClient
from switchkit.realtime.revocations import watch_revocations

__all__ = [
    "EXPIRED",
    "SHUTTING_DOWN",
    "SIGNED_OUT",
    "TOO_SLOW",
    "Listener",
    "Listeners",
    "StreamEnded",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

TOO_SLOW = "too slow: the stream fell too far behind"
SIGNED_OUT = "signed out"
EXPIRED = "token expired"
SHUTTING_DOWN = "the server is shutting down"


class StreamEnded(Exception):
    """The stream is over: signed out, token expired, too slow, or the server shutting down."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Listener(Generic[T]):
    """One client's stream of items; `async for` it until it raises StreamEnded."""

    def __init__(self, *, caller: Identity, queue_size: int) -> None:
        self.session_id: uuid.UUID | None = caller.session_id
        """The caller's sign-in session (the token's `sid`): its revocation ends the stream."""
        self.expires_at: float = caller.expires_at
        """Unix time the caller's token expires: the stream ends then."""
        self._queue: asyncio.Queue[T | StreamEnded] = asyncio.Queue(maxsize=queue_size)
        self._ended = False

    def offer(self, item: T) -> None:
        """Queues `item`, or ends the stream if the client has fallen `queue_size` behind."""
        if self._ended:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.end(TOO_SLOW)

    def end(self, reason: str) -> None:
        """Ends the stream: the reason is the next thing the consumer reads (the first wins)."""
        if self._ended:
            return
        self._ended = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(StreamEnded(reason))

    async def next(self) -> T:
        """The next item, waiting for it; raises StreamEnded once the stream is over."""
        remaining = self.expires_at - time.time()
        try:
            if remaining <= 0:
                raise TimeoutError
            item = await asyncio.wait_for(self._queue.get(), timeout=remaining)
        except TimeoutError:
            self.end(EXPIRED)
            # Ended (now, or earlier for another reason): the reason is all the queue holds.
            item = self._queue.get_nowait()
        if isinstance(item, StreamEnded):
            # Whoever asks again is told the same.
            self._queue.put_nowait(item)
            raise StreamEnded(item.reason)
        return item

    def __aiter__(self) -> Listener[T]:
        return self

    async def __anext__(self) -> T:
        return await self.next()


class Listeners(Generic[K, T]):
    """The listeners of this process and the keys (rooms, books...) each follows.

    It hands an item for a key to the key's followers (`offer`), says when a key gains its
    first follower or loses its last (to subscribe to it on NATS, or stop), and, once
    started, ends the streams of a revoked sign-in session, and all of them at shutdown.
    """

    def __init__(self) -> None:
        self._keys: dict[Listener[T], set[K]] = {}
        self._followers: dict[K, set[Listener[T]]] = {}
        self._revocations: Subscription | None = None

    def __len__(self) -> int:
        """How many listeners are connected."""
        return len(self._keys)

    async def start(self, nats: NatsClient) -> None:
        """Watches `auth.session.revoked`: a revoked session's streams end ("signed out")."""
        self._revocations = await watch_revocations(nats, self.end_session)

    async def stop(self) -> None:
        if self._revocations is not None:
            await self._revocations.unsubscribe()
            self._revocations = None
        self.end_all(SHUTTING_DOWN)

    def connect(self, listener: Listener[T]) -> None:
        """Counts `listener` in (sign-out and shutdown reach it) before it follows anything."""
        self._keys.setdefault(listener, set())

    def follow(self, listener: Listener[T], key: K) -> bool:
        """`listener` gets the items of `key` from now on; True if no listener followed `key`."""
        self._keys.setdefault(listener, set()).add(key)
        followers = self._followers.setdefault(key, set())
        followers.add(listener)
        return len(followers) == 1

    def unfollow(self, listener: Listener[T], key: K) -> bool:
        """`listener` gets no more items of `key`; True if it was the last to follow `key`."""
        self._keys.get(listener, set()).discard(key)
        followers = self._followers.get(key)
        if followers is None or listener not in followers:
            return False
        followers.discard(listener)
        if followers:
            return False
        del self._followers[key]
        return True

    def disconnect(self, listener: Listener[T]) -> list[K]:
        """Forgets `listener` (synchronous: safe in a cancelled task's cleanup); returns the
        keys that no listener follows any more."""
        keys = self._keys.pop(listener, set())
        return [key for key in list(keys) if self.unfollow(listener, key)]

    def offer(self, key: K, item: T) -> None:
        for listener in list(self._followers.get(key, ())):
            listener.offer(item)

    def end_session(self, session_id: uuid.UUID) -> None:
        for listener in list(self._keys):
            if listener.session_id == session_id:
                listener.end(SIGNED_OUT)

    def end_all(self, reason: str) -> None:
        for listener in list(self._keys):
            listener.end(reason)
