"""Revocation checks: fresh answers from Redis for every check, concurrent checks sharing reads."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from auth.sessions.exceptions import RevocationListUnavailable
from auth.sessions.revocation import RevocationChecks, revoke_session
from switchkit.identity import Identity


def identity(*, session_id: uuid.UUID | None = None, in_a_session: bool = True) -> Identity:
    return Identity(
        user_id=uuid.uuid4(),
        username="someone",
        roles=frozenset({"user"}),
        token_id=uuid.uuid4().hex,
        expires_at=int(time.time()) + 600,
        session_id=(session_id or uuid.uuid4()) if in_a_session else None,
    )


async def signed_out(redis: Redis) -> Identity:
    session_id = uuid.uuid4()
    await revoke_session(redis=redis, session_id=session_id, ttl_seconds=60)
    return identity(session_id=session_id)


def count_reads(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every read the checks send (EXISTS for one session, MGET for several)."""
    reads: list[str] = []
    for command in ("exists", "mget"):
        real: Callable[..., Awaitable[Any]] = getattr(redis, command)

        async def recorded(*args: Any, _real: Any = real, _name: str = command) -> Any:
            reads.append(_name)
            return await _real(*args)

        monkeypatch.setattr(redis, command, recorded)
    return reads


async def test_a_lone_check_reads_its_own_session(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = RevocationChecks(redis)
    ended = await signed_out(redis)
    reads = count_reads(redis, monkeypatch)
    assert await checks.is_revoked(ended) is True
    assert await checks.is_revoked(identity()) is False
    assert reads == ["exists", "exists"]


async def test_concurrent_checks_share_one_read_and_each_gets_its_own_answer(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = RevocationChecks(redis)
    callers = [await signed_out(redis) if n in {1, 2, 5, 11} else identity() for n in range(20)]
    ended = [callers[n] for n in (1, 2, 5, 11)]
    reads = count_reads(redis, monkeypatch)
    answers = await asyncio.gather(*(checks.is_revoked(caller) for caller in callers))
    assert answers == [caller in ended for caller in callers]
    # The first check's own read, then one MGET for the 19 that came while it was out.
    assert reads == ["exists", "mget"]


async def test_a_signout_taken_while_a_read_is_out_is_seen_by_the_checks_after_it(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = RevocationChecks(redis)
    first = identity()
    ended_meanwhile = uuid.uuid4()
    release = asyncio.Event()
    real_exists = redis.exists

    async def held_exists(*keys: str) -> int:
        await release.wait()
        return await real_exists(*keys)

    monkeypatch.setattr(redis, "exists", held_exists)
    out = asyncio.create_task(checks.is_revoked(first))
    await asyncio.sleep(0)  # the first check's read is out
    await revoke_session(redis=redis, session_id=ended_meanwhile, ttl_seconds=60)
    later = asyncio.create_task(checks.is_revoked(identity(session_id=ended_meanwhile)))
    await asyncio.sleep(0)
    release.set()
    assert await out is False
    assert await later is True


async def test_a_token_without_a_session_needs_no_read(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_reads(redis, monkeypatch)
    assert await RevocationChecks(redis).is_revoked(identity(in_a_session=False)) is False
    assert reads == []


async def test_with_redis_down_every_waiting_check_fails_closed_and_each_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    checks = RevocationChecks(dead)
    try:
        answers = await asyncio.gather(
            *(checks.is_revoked(identity()) for _ in range(5)), return_exceptions=True
        )
    finally:
        await dead.aclose()
    assert all(isinstance(answer, RevocationListUnavailable) for answer in answers)
    errors = [r for r in caplog.records if r.name == "auth.revocation"]
    assert [(r.levelname, r.getMessage()) for r in errors] == [
        ("ERROR", "revocation list unavailable")
    ] * 5


async def test_a_failed_batch_does_not_stop_the_next_checks(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = RevocationChecks(redis)
    real_mget = redis.mget
    failures = [RedisConnectionError("gone for a moment")]

    async def flaky_mget(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return await real_mget(*args)

    monkeypatch.setattr(redis, "mget", flaky_mget)
    first = await asyncio.gather(
        *(checks.is_revoked(identity()) for _ in range(3)), return_exceptions=True
    )
    assert first[0] is False
    assert all(isinstance(answer, RevocationListUnavailable) for answer in first[1:])
    again = await asyncio.gather(*(checks.is_revoked(identity()) for _ in range(3)))
    assert again == [False, False, False]
