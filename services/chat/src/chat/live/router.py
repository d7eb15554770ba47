"""Realtime routes: SSE and WebSocket on the subscribe paths, and the multiplexed `/ws`."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket, status
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.sse import KEEPALIVE_COMMENT, format_sse_event

from chat.live import backlog
from chat.live.hub import Hub
from chat.live.socket import SocketSession
from chat.live.streams import StreamEnded, StreamKey, Subscriber
from chat.rooms.dependencies import RoomId
from chat.rooms.exceptions import RoomNotFound
from switchkit.db import Database
from switchkit.identity import CurrentUser, Identity, identify
from switchkit.problems import KitError, problem_responses

__all__ = ["router"]

router = APIRouter(tags=["realtime"])
Resume = Annotated[
    int | None, Header(alias="Last-Event-ID", ge=0, description="Resume after this seq")
]
HEARTBEAT_SECONDS = 15.0
After = Annotated[int | None, Query(ge=0, description="Resume after this seq")]


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(_hub)]


async def existing_room(room_id: RoomId, request: Request) -> StreamKey:
    """The room's stream, checked on a short session before any response starts."""
    stream = backlog.room(room_id)
    if await backlog.current_seq(request.app.state.database, stream) is None:
        raise RoomNotFound(room_id)
    return stream


RoomStream = Annotated[StreamKey, Depends(existing_room)]


def _wants_events(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _how_to_subscribe(request: Request) -> JSONResponse:
    # The brief answers 202 here; a plain GET learns how to open the stream.
    base = str(request.url.remove_query_params(["after"]))
    return JSONResponse(
        {
            "detail": "Open this URL with Accept: text/event-stream (SSE), or as a WebSocket.",
            "sse": base,
            "websocket": base.replace("http", "ws", 1),
        },
        status_code=status.HTTP_202_ACCEPTED,
    )


async def _events(
    request: Request, identity: Identity, stream: StreamKey, after: int | None
) -> AsyncIterator[bytes]:
    hub: Hub = request.app.state.hub
    database: Database = request.app.state.database
    subscriber = Subscriber(
        session_id=identity.session_id,
        expires_at=identity.expires_at,
        backlog=backlog.backlog_reader(database),
        queue_size=request.app.state.settings.stream_queue_size,
    )
    hub.connect(subscriber)
    try:
        await hub.follow(subscriber, stream)
        start = after if after is not None else await backlog.current_seq(database, stream) or 0
        for message in await subscriber.catch_up(stream, start):
            yield _event(message)
        while True:
            item = await subscriber.next(idle=HEARTBEAT_SECONDS)
            if item is None:
                yield KEEPALIVE_COMMENT
                continue
            for ordered in await subscriber.in_order(*item):
                yield _event(ordered)
    except StreamEnded as ended:
        yield format_sse_event(event="end", data_str=json.dumps({"reason": ended.reason}))
    finally:
        await hub.disconnect(subscriber)


def _event(message: dict[str, Any]) -> bytes:
    return format_sse_event(event="message", id=str(message["seq"]), data_str=json.dumps(message))


def _stream(events: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        # Proxies must pass each event on at once, not buffer the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


SUBSCRIBE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `Accept: text/event-stream`: `message` events (`id:` = seq), "
        "heartbeat comments, and `end` with a reason",
        "content": {"text/event-stream": {}},
    },
    202: {"description": "Without it: how to open the stream (SSE or WebSocket on this path)"},
    **problem_responses(400, 401, 404),
}


@router.get(
    "/room/{room_id}/subscribe",
    responses=SUBSCRIBE_RESPONSES,
    summary="New messages of a room, live (SSE here, or a WebSocket on the same path)",
)
async def subscribe_room(
    identity: CurrentUser,
    stream: RoomStream,
    request: Request,
    last_event_id: Resume = None,
    after: After = None,
) -> Any:
    """Reconnecting with `Last-Event-ID` (or `?after=seq`) resumes exactly after that message,
    on any node: the missed ones first, from Postgres, then live; no gap, no duplicate."""
    if not _wants_events(request):
        return _how_to_subscribe(request)
    return _stream(_events(request, identity, stream, _resume(last_event_id, after)))


@router.get(
    "/me/subscribe",
    responses=SUBSCRIBE_RESPONSES,
    summary="New direct messages to the caller, live (SSE here, or a WebSocket)",
)
async def subscribe_inbox(
    identity: CurrentUser, request: Request, last_event_id: Resume = None, after: After = None
) -> Any:
    if not _wants_events(request):
        return _how_to_subscribe(request)
    stream = backlog.inbox(identity.user_id)
    return _stream(_events(request, identity, stream, _resume(last_event_id, after)))


def _resume(last_event_id: int | None, after: int | None) -> int | None:
    return last_event_id if last_event_id is not None else after


async def _open(websocket: WebSocket) -> Identity | None:
    """The caller, or None after refusing the handshake (no or bad token)."""
    try:
        return await identify(websocket)
    except KitError:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return None


@router.websocket("/room/{room_id}/subscribe")
async def room_socket(websocket: WebSocket, room_id: uuid.UUID, after: int | None = None) -> None:
    identity = await _open(websocket)
    if identity is None:
        return
    await websocket.accept()
    await _session(websocket, identity).run(
        initial=backlog.room(room_id), after=after, commands=False
    )


@router.websocket("/me/subscribe")
async def inbox_socket(websocket: WebSocket, after: int | None = None) -> None:
    identity = await _open(websocket)
    if identity is None:
        return
    await websocket.accept()
    await _session(websocket, identity).run(
        initial=backlog.inbox(identity.user_id), after=after, commands=False
    )


@router.websocket("/ws")
async def multiplexed_socket(websocket: WebSocket) -> None:
    """One connection for one user: any rooms plus the inbox (see chat.live.socket)."""
    identity = await _open(websocket)
    if identity is None:
        return
    await websocket.accept()
    await _session(websocket, identity).run(initial=None, after=None, commands=True)


def _session(websocket: WebSocket, identity: Identity) -> SocketSession:
    state = websocket.app.state
    return SocketSession(
        websocket=websocket,
        hub=state.hub,
        database=state.database,
        identity=identity,
        queue_size=state.settings.stream_queue_size,
    )
