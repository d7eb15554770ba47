"""Live streams in tests: reading Server-Sent Events in the background, event by event, and
ending a sign-in session as the auth service announces it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import nats

from switchkit.messaging import publish_json
from switchkit.realtime import SESSION_REVOKED, SessionRevoked

__all__ = ["announce_sign_out", "next_events", "sse_events"]

DEFAULT_TIMEOUT = 10.0


@asynccontextmanager
async def sse_events(
    url: str, headers: dict[str, str], *, wait_seconds: float = DEFAULT_TIMEOUT
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """Opens the stream and yields once it answered 200; each event then arrives in the
    queue as a dict of its fields (`data` parsed as JSON; comments, i.e. heartbeats, skipped)."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    opened = asyncio.Event()

    async def read() -> None:
        async with (
            httpx.AsyncClient(timeout=wait_seconds * 3) as client,
            client.stream("GET", url, headers={**headers, "Accept": "text/event-stream"}) as r,
        ):
            assert r.status_code == 200, await r.aread()
            assert r.headers["content-type"].startswith("text/event-stream")
            opened.set()
            event: dict[str, Any] = {}
            async for line in r.aiter_lines():
                if not line:
                    if event:
                        await events.put(event)
                    event = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    event[key] = json.loads(value) if key == "data" else value

    task = asyncio.create_task(read())
    opening = asyncio.create_task(opened.wait())
    await asyncio.wait([task, opening], timeout=wait_seconds, return_when=asyncio.FIRST_COMPLETED)
    if not opened.is_set():
        opening.cancel()
        task.cancel()
        results = await asyncio.gather(task, return_exceptions=True)
        raise AssertionError(f"the stream did not open: {results[0]!r}")
    try:
        yield events
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def next_events(
    events: asyncio.Queue[dict[str, Any]], n: int, *, wait_seconds: float = DEFAULT_TIMEOUT
) -> list[dict[str, Any]]:
    return [await asyncio.wait_for(events.get(), wait_seconds) for _ in range(n)]


async def announce_sign_out(nats_url: str, session_id: uuid.UUID) -> None:
    """Publishes `auth.session.revoked` for `session_id`, as the auth service does on sign-out."""
    client = await nats.connect(nats_url)
    try:
        event = SessionRevoked(
            user_id=uuid.uuid4(),
            session_id=session_id,
            reason="signout",
            revoked_at=datetime.now(UTC),
        )
        await publish_json(client, SESSION_REVOKED, event)
    finally:
        await client.drain()
