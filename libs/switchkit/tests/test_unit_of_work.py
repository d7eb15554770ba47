"""The unit of work commits or rolls back, and runs after-commit actions only after a commit."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from switchkit.db import after_commit, unit_of_work


class FakeSession:
    """Records what the unit of work does to it (a stand-in: this is a unit test)."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.events: list[str] = []

    async def commit(self) -> None:
        self.events.append("commit")

    async def rollback(self) -> None:
        self.events.append("rollback")


async def test_actions_run_after_the_commit_in_order() -> None:
    fake = FakeSession()
    session = cast(AsyncSession, fake)

    async def first() -> None:
        fake.events.append("first")

    async def second() -> None:
        fake.events.append("second")

    async with unit_of_work(session):
        after_commit(session, first)
        after_commit(session, second)
        assert fake.events == []
    assert fake.events == ["commit", "first", "second"]


async def test_actions_never_run_when_the_work_fails() -> None:
    fake = FakeSession()
    session = cast(AsyncSession, fake)

    async def announce() -> None:
        fake.events.append("announced")

    async def failing_work() -> None:
        async with unit_of_work(session):
            after_commit(session, announce)
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        await failing_work()
    assert fake.events == ["rollback"]
    assert fake.info == {}


async def test_a_failing_action_does_not_undo_the_answer() -> None:
    fake = FakeSession()
    session = cast(AsyncSession, fake)

    async def broken() -> None:
        raise ConnectionError("redis is down")

    async def later() -> None:
        fake.events.append("later")

    async with unit_of_work(session):
        after_commit(session, broken)
        after_commit(session, later)
    assert fake.events == ["commit", "later"]
