"""A WebSocket client: one connection, any number of streams, one writer.

Frames from the server (JSON text):
  {"type": "subscribed", "stream": "room:<id>" | "inbox", "after": <seq>}
  {"type": "message", "stream": ..., "message": {...}}    in seq order per stream, no gap
  {"type": "error", "status": 400 | 403 | 404, "detail": "..."}
  {"type": "end", "reason": "..."}                         then the server closes (4000)
Frames from the client, on `/ws` only:
  {"type": "subscribe", "room": "<roomId>", "after": <seq>?}
  {"type": "subscribe", "inbox": true, "after": <seq>?}
  {"type": "unsubscribe", "room": "<roomId>"} / {"type": "unsubscribe", "inbox": true}
Without `after`, a subscription starts with the next new message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from chat.live import backlog
from chat.live.hub import Hub
from chat.live.streams import StreamKey, Subscriber
from switchkit.db import Database
from switchkit.identity import Identity
from switchkit.realtime import StreamEnded

__all__ = ["SocketSession"]

END_CODE = 4000


class SocketSession:
    def __init__(
        self,
        *,
        websocket: WebSocket,
        hub: Hub,
        database: Database,
        identity: Identity,
        queue_size: int,
    ) -> None:
        self.websocket = websocket
        self.hub = hub
        self.database = database
        self.identity = identity
        self.subscriber = Subscriber(
            caller=identity, backlog=backlog.backlog_reader(database), queue_size=queue_size
        )
        self._send_lock = asyncio.Lock()

    async def run(self, *, initial: StreamKey | None, after: int | None, commands: bool) -> None:
        self.hub.connect(self.subscriber)
        try:
            if initial is not None:
                await self.subscribe(initial, after)
            # Whichever ends first ends the connection: the client leaving (reader) or the
            # stream ending (writer); the other is cancelled so nothing waits on a dead socket.
            tasks = [
                asyncio.create_task(self._read_commands(commands)),
                asyncio.create_task(self._write_live()),
            ]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                        await task
        except WebSocketDisconnect:
            pass
        finally:
            self.hub.disconnect(self.subscriber)

    async def subscribe(self, stream: StreamKey, after: int | None) -> None:
        await self.hub.follow(self.subscriber, stream)
        start = after
        if start is None:
            start = await backlog.current_seq(self.database, stream)
        if start is None:
            self.hub.unfollow(self.subscriber, stream)
            await self._send({"type": "error", "status": 404, "detail": f"No {stream.label}."})
            return
        await self._send({"type": "subscribed", "stream": stream.label, "after": start})
        for message in await self.subscriber.catch_up(stream, start):
            await self._send({"type": "message", "stream": stream.label, "message": message})

    async def _write_live(self) -> None:
        try:
            async for stream, message in self.subscriber:
                for ordered in await self.subscriber.in_order(stream, message):
                    await self._send(
                        {"type": "message", "stream": stream.label, "message": ordered}
                    )
        except StreamEnded as ended:
            await self._send({"type": "end", "reason": ended.reason})
            await self.websocket.close(code=END_CODE, reason=ended.reason[:120])

    async def _read_commands(self, commands: bool) -> None:
        while True:
            text = await self.websocket.receive_text()
            if not commands:
                continue
            try:
                await self._command(json.loads(text))
            except (ValueError, TypeError, KeyError) as exc:
                await self._send({"type": "error", "status": 400, "detail": f"bad frame: {exc}"})
        # The loop ends by WebSocketDisconnect when the client goes.

    async def _command(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind not in ("subscribe", "unsubscribe"):
            raise ValueError(f"unknown type {kind!r}")
        if frame.get("inbox") is True:
            stream = backlog.inbox(self.identity.user_id)
        else:
            stream = backlog.room(uuid.UUID(str(frame["room"])))
        if kind == "unsubscribe":
            self.hub.unfollow(self.subscriber, stream)
            return
        after = frame.get("after")
        if after is not None and (not isinstance(after, int) or after < 0):
            raise ValueError("after must be a seq (an integer >= 0)")
        await self.subscribe(stream, after)

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(frame))
