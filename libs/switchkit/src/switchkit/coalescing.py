"""Reads that arrive while one is out share the next one: under load, one round trip answers many.

For a value that must be read fresh on every request (nothing cached in the process), from a
store that can answer many keys at once (Redis: a script, MGET). A read with none out is sent
at once, on its own; the reads that arrive while it is out wait for the next one, which asks
for all their keys together. Every read is answered by a round trip sent after it began, so
whatever the store held when a request arrived is what the request sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["SharedReads"]

K = TypeVar("K")
V = TypeVar("V")


class SharedReads(Generic[K, V]):
    """`await reads.read(key)`: the value of `key`, by `read_many` (answers in the keys' order).

    A failed read fails every caller waiting on it with its error; the callers after it try
    again with the next read.
    """

    def __init__(
        self, read_many: Callable[[Sequence[K]], Awaitable[Sequence[V]]], *, max_keys: int = 100
    ) -> None:
        self._read_many = read_many
        self._max_keys = max_keys
        self._reading = False
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._reader: asyncio.Task[None] | None = None

    async def read(self, key: K) -> V:
        if self._reading:
            answer: asyncio.Future[V] = asyncio.get_running_loop().create_future()
            self._waiting.append((key, answer))
            return await answer
        # A lone read goes out from the caller's own task: no task switch when nothing waits.
        self._reading = True
        try:
            [value] = await self._read_many([key])
            return value
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        """A read is back: the callers that arrived meanwhile get the next one."""
        if self._waiting:
            self._reader = asyncio.create_task(self._read_waiting())
        else:
            self._reading = False

    async def _read_waiting(self) -> None:
        batch: list[tuple[K, asyncio.Future[V]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._max_keys]
                del self._waiting[: self._max_keys]
                try:
                    values = await self._read_many([key for key, _ in batch])
                except Exception as exc:
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                else:
                    for (_, answer), value in zip(batch, values, strict=True):
                        if not answer.done():
                            answer.set_result(value)
                batch = []
        finally:
            self._reading = False
            self._reader = None
            # Cancelled (the app is stopping): no caller may wait for an answer forever.
            for _, answer in [*batch, *self._waiting]:
                answer.cancel()
            self._waiting.clear()
