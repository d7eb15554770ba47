"""Shared reads: a lone read on its own, the reads that come meanwhile together, always fresh."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from switchkit.coalescing import SharedReads


class Store:
    """A key-value store whose reads wait until the test lets them answer."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.calls: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failure: Exception | None = None

    async def read_many(self, keys: Sequence[str]) -> list[int]:
        self.calls.append(list(keys))
        # What the store holds when the read reaches it, not when it comes back.
        answer = [self.values.get(key, 0) for key in keys]
        failure = self.failure
        await self.gate.wait()
        if failure is not None:
            raise failure
        return answer


async def held_out(reads: SharedReads[str, int], store: Store, key: str) -> asyncio.Task[int]:
    """A read of `key` that has reached the store, whose answer waits for the gate."""
    store.gate.clear()
    read = asyncio.create_task(reads.read(key))
    for _ in range(100):
        if store.calls:
            return read
        await asyncio.sleep(0)
    raise AssertionError("the read never reached the store")


async def arriving(reads: SharedReads[str, int], keys: str) -> list[asyncio.Task[int]]:
    """Reads of `keys` that have arrived (and wait, as a read is out)."""
    tasks = [asyncio.create_task(reads.read(key)) for key in keys]
    await asyncio.sleep(0)
    return tasks


async def test_a_lone_read_is_sent_at_once_with_its_key_alone() -> None:
    store = Store()
    store.values["a"] = 1
    reads = SharedReads(store.read_many)
    assert await reads.read("a") == 1
    assert store.calls == [["a"]]


async def test_reads_that_arrive_while_one_is_out_share_the_next_with_their_own_answers() -> None:
    store = Store()
    store.values.update(a=1, b=2, c=3)
    reads = SharedReads(store.read_many)
    first = await held_out(reads, store, "a")
    others = await arriving(reads, "cbc")
    store.gate.set()
    assert await first == 1
    assert [await other for other in others] == [3, 2, 3]
    assert store.calls == [["a"], ["c", "b", "c"]]


async def test_a_read_that_began_after_a_change_sees_it() -> None:
    store = Store()
    store.values["a"] = 1
    reads = SharedReads(store.read_many)
    before = await held_out(reads, store, "a")
    store.values["a"] = 2
    [after] = await arriving(reads, "a")
    store.gate.set()
    assert (await before, await after) == (1, 2)


async def test_a_failed_shared_read_fails_its_callers_and_the_next_ones_try_again() -> None:
    store = Store()
    store.values["a"] = 1
    reads = SharedReads(store.read_many)
    first = await held_out(reads, store, "a")
    store.failure = ConnectionError("down")
    waiting = await arriving(reads, "aaa")
    store.gate.set()
    assert await first == 1
    for caller in waiting:
        with pytest.raises(ConnectionError):
            await caller
    store.failure = None
    assert await reads.read("a") == 1
    assert store.calls == [["a"], ["a", "a", "a"], ["a"]]


async def test_a_failed_lone_read_fails_its_caller_only() -> None:
    store = Store()
    store.failure = ConnectionError("down")
    reads = SharedReads(store.read_many)
    with pytest.raises(ConnectionError):
        await reads.read("a")
    store.failure = None
    assert await reads.read("a") == 0


async def test_a_shared_read_asks_for_at_most_max_keys() -> None:
    store = Store()
    reads = SharedReads(store.read_many, max_keys=2)
    first = await held_out(reads, store, "a")
    waiting = await arriving(reads, "bcde")
    store.gate.set()
    await asyncio.gather(first, *waiting)
    assert store.calls == [["a"], ["b", "c"], ["d", "e"]]
