"""Realtime routes: SSE and WebSocket on the subscribe paths, and the multiplexed `/ws`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, WebSocket, status
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from chat.live import backlog
from chat.live.hub import Hub
from chat.live.socket import SocketSession
from chat.live.streams import Message, StreamKey, Subscriber
from chat.rooms.dependencies import RoomId
from chat.rooms.exceptions import RoomNotFound
from switchkit.db import Database
from switchkit.identity import CurrentUser, Identity, identify
from switchkit.problems import KitError, problem_responses
from switchkit.realtime import ResumeAfter, StreamEnded, end_event, json_event

__all__ = ["HowToSubscribe", "how_to_subscribe", "router"]

router = APIRouter(tags=["realtime"])


async def existing_room(room_id: RoomId, request: Request) -> StreamKey:
    """The room's stream, checked on a short session before any response starts."""
    stream = backlog.room(room_id)
    if await backlog.current_seq(request.app.state.database, stream) is None:
        raise RoomNotFound(room_id)
    return stream


RoomStream = Annotated[StreamKey, Depends(existing_room)]


class HowToSubscribe(Exception):
    """A subscribe path asked for without `Accept: text/event-stream` (see how_to_subscribe)."""


def event_stream_asked(request: Request) -> None:
    # An SSE route streams whatever it is asked; this one answers a plain GET otherwise.
    if "text/event-stream" not in request.headers.get("accept", ""):
        raise HowToSubscribe


EventStreamAsked = Annotated[None, Depends(event_stream_asked)]


async def how_to_subscribe(request: Request, _: Exception) -> JSONResponse:
    """The brief answers 202 here; a plain GET learns how to open the stream."""
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
    request: Request, caller: Identity, stream: StreamKey, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    hub: Hub = request.app.state.hub
    database: Database = request.app.state.database
    subscriber = Subscriber(
        caller=caller,
        backlog=backlog.backlog_reader(database),
        queue_size=request.app.state.settings.stream_queue_size,
    )
    hub.connect(subscriber)
    try:
        await hub.follow(subscriber, stream)
        start = after if after is not None else await backlog.current_seq(database, stream) or 0
        for message in await subscriber.catch_up(stream, start):
            yield _event(message)
        async for live in subscriber:
            for message in await subscriber.in_order(*live):
                yield _event(message)
    except StreamEnded as ended:
        yield end_event(ended)
    finally:
        hub.disconnect(subscriber)


def _event(message: Message) -> ServerSentEvent:
    return json_event(event="message", id=str(message["seq"]), data=message)


SUBSCRIBE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `Accept: text/event-stream`: `message` events (`id:` = seq), "
        "heartbeat comments, and `end` with a reason",
    },
    202: {"description": "Without it: how to open the stream (SSE or WebSocket on this path)"},
    **problem_responses(400, 401, 404),
}


@router.get(
    "/room/{room_id}/subscribe",
    response_class=EventSourceResponse,
    responses=SUBSCRIBE_RESPONSES,
    summary="New messages of a room, live (SSE here, or a WebSocket on the same path)",
)
async def subscribe_room(
    caller: CurrentUser,
    stream: RoomStream,
    _: EventStreamAsked,
    request: Request,
    after: ResumeAfter,
) -> AsyncIterator[ServerSentEvent]:
    """Reconnecting with `Last-Event-ID` (or `?after=seq`) resumes exactly after that message,
    on any node: the missed ones first, from Postgres, then live; no gap, no duplicate."""
    async for event in _events(request, caller, stream, after):
        yield event


@router.get(
    "/me/subscribe",
    response_class=EventSourceResponse,
    responses=SUBSCRIBE_RESPONSES,
    summary="New direct messages to the caller, live (SSE here, or a WebSocket)",
)
async def subscribe_inbox(
    caller: CurrentUser, _: EventStreamAsked, request: Request, after: ResumeAfter
) -> AsyncIterator[ServerSentEvent]:
    async for event in _events(request, caller, backlog.inbox(caller.user_id), after):
        yield event


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
