"""HTTP routes of rooms and room messages, on the brief's paths (`/rooms`, `/room/{roomId}`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from chat.dependencies import BusDep
from chat.messages.responses import SENT_RESPONSES, sent
from chat.messages.schemas import MessageIn, MessageOut
from chat.messages.window import WindowDep
from chat.rooms import service
from chat.rooms.dependencies import RoomId, ValidRoom
from chat.rooms.schemas import RoomIn, RoomOut
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.pagination import PageDep, page_headers
from switchkit.problems import problem_responses
from switchkit.responses import created

__all__ = ["router"]

router = APIRouter(tags=["rooms"])
Seq = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get(
    "/rooms",
    responses=problem_responses(400, 401),
    summary="List the chat rooms (an empty array when there are none)",
)
async def list_rooms(
    _: CurrentUser, page: PageDep, session: SessionDep, request: Request, response: Response
) -> list[RoomOut]:
    rooms, total = await service.list_page(session=session, page=page)
    response.headers.update(page_headers(url=request.url, page=page, total=total))
    return [RoomOut.of(room) for room in rooms]


@router.post(
    "/rooms",
    status_code=201,
    response_model=RoomOut,
    responses=problem_responses(400, 401, 409),
    summary="Create a room (its name is unique, ignoring case)",
)
async def create_room(
    actor: CurrentUser, body: RoomIn, session: SessionDep, request: Request
) -> Response:
    room = await service.create(session=session, name=body.name, actor=actor)
    return created(RoomOut.of(room), location=request.url_for("get_room", room_id=room.id))


@router.get(
    "/rooms/{room_id}",
    responses=problem_responses(400, 401, 404),
    summary="One room",
)
async def get_room(_: CurrentUser, room: ValidRoom) -> RoomOut:
    return RoomOut.of(room)


@router.post(
    "/room/{room_id}/messages",
    status_code=201,
    response_model=MessageOut,
    responses={**SENT_RESPONSES, **problem_responses(400, 401, 404)},
    summary="Post a message to a room (no need to join it)",
)
async def post_message(
    author: CurrentUser,
    room_id: RoomId,
    body: MessageIn,
    session: SessionDep,
    bus: BusDep,
    request: Request,
) -> Response:
    """201 with the new message; 200 with the original when `clientMessageId` was seen."""
    message, new = await service.post(
        session=session, bus=bus, room_id=room_id, data=body, author=author
    )
    location = request.url_for("get_room_message", room_id=room_id, seq=message.seq)
    return sent(MessageOut.of(message), new=new, location=location)


@router.get(
    "/room/{room_id}/messages",
    responses=problem_responses(400, 401, 404),
    summary="A room's messages, oldest first, by seq",
)
async def list_messages(
    _: CurrentUser,
    room: ValidRoom,
    window: WindowDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[MessageOut]:
    """`after=seq` for newer ones, `before=seq` for older ones; without either, the newest.
    `Link` gives the `prev` (older) and `next` (newer) pages."""
    messages = await service.history(session=session, room_id=room.id, window=window)
    response.headers.update(window.links(request.url, [m.seq for m in messages]))
    return [MessageOut.of(m) for m in messages]


@router.get(
    "/room/{room_id}/messages/{seq}",
    responses=problem_responses(400, 401, 404),
    summary="One message of a room, by seq",
)
async def get_room_message(
    _: CurrentUser, room: ValidRoom, seq: Seq, session: SessionDep
) -> MessageOut:
    message = await service.get_message(session=session, room_id=room.id, seq=seq)
    return MessageOut.of(message)
