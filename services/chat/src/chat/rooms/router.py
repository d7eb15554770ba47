"""HTTP routes of rooms and room messages, on the brief's paths (`/rooms`, `/room/{roomId}`)."""

# No `from __future__ import annotations`: FastAPI must see `PageDep`, built inside
# `build_router`, as an object rather than a name it cannot resolve later.
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from chat.dependencies import BusDep
from chat.messages.responses import sent_response
from chat.messages.schemas import MessageIn, MessageOut
from chat.messages.window import WindowDep
from chat.rooms import service
from chat.rooms.dependencies import RoomId, ValidRoom
from chat.rooms.schemas import RoomIn, RoomOut
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser
from switchkit.pagination import PageDep, page_headers
from switchkit.problems import problem_responses

__all__ = ["build_router"]


def _room(room: object) -> dict[str, object]:
    return RoomOut.model_validate(
        {"room_id": room.id, "name": room.name, "created_at": room.created_at}  # type: ignore[attr-defined]
    ).model_dump(mode="json", by_alias=True)


def build_router() -> APIRouter:
    router = APIRouter(tags=["rooms"])

    @router.get(
        "/rooms",
        response_model=list[RoomOut],
        responses=problem_responses(400, 401),
        summary="List the chat rooms (an empty array when there are none)",
    )
    async def list_rooms(
        _: CurrentUser, page: PageDep, session: SessionDep, request: Request
    ) -> JSONResponse:
        rooms, total = await service.list_page(session=session, page=page)
        headers = page_headers(url=request.url, page=page, total=total)
        return JSONResponse([_room(room) for room in rooms], headers=headers)

    @router.post(
        "/rooms",
        status_code=201,
        response_model=RoomOut,
        responses=problem_responses(400, 401, 409),
        summary="Create a room (its name is unique, ignoring case)",
    )
    async def create_room(
        actor: CurrentUser, body: RoomIn, session: SessionDep, request: Request
    ) -> JSONResponse:
        room = await service.create(session=session, name=body.name, actor=actor)
        location = str(request.url_for("get_room", room_id=room.id))
        return JSONResponse(_room(room), status_code=201, headers={"Location": location})

    @router.get(
        "/rooms/{room_id}",
        response_model=RoomOut,
        responses=problem_responses(400, 401, 404),
        summary="One room",
    )
    async def get_room(_: CurrentUser, room: ValidRoom) -> JSONResponse:
        return JSONResponse(_room(room))

    @router.post(
        "/room/{room_id}/messages",
        status_code=201,
        response_model=MessageOut,
        responses={
            200: {
                "description": "A retry: the message first sent with this clientMessageId",
                "model": MessageOut,
            },
            **problem_responses(400, 401, 404),
        },
        summary="Post a message to a room (no need to join it)",
    )
    async def post_message(
        author: CurrentUser,
        room_id: RoomId,
        body: MessageIn,
        session: SessionDep,
        bus: BusDep,
        request: Request,
    ) -> JSONResponse:
        """201 with the new message; 200 with the original when `clientMessageId` was seen."""
        message, new = await service.post(
            session=session, bus=bus, room_id=room_id, data=body, author=author
        )
        location = str(request.url_for("get_room_message", room_id=room_id, seq=message.seq))
        return sent_response(service.out(message), new=new, location=location)

    @router.get(
        "/room/{room_id}/messages",
        response_model=list[MessageOut],
        responses=problem_responses(400, 401, 404),
        summary="A room's messages, oldest first, by seq",
    )
    async def list_messages(
        _: CurrentUser, room: ValidRoom, window: WindowDep, session: SessionDep, request: Request
    ) -> JSONResponse:
        """`after=seq` for newer ones, `before=seq` for older ones; without either, the newest.
        `Link` gives the `prev` (older) and `next` (newer) pages."""
        messages = await service.history(session=session, room_id=room.id, window=window)
        headers = window.links(request.url, [m.seq for m in messages])
        return JSONResponse([service.out(m).json_dict() for m in messages], headers=headers)

    @router.get(
        "/room/{room_id}/messages/{seq}",
        response_model=MessageOut,
        responses=problem_responses(400, 401, 404),
        summary="One message of a room, by seq",
    )
    async def get_room_message(
        _: CurrentUser,
        room: ValidRoom,
        seq: Annotated[int, Path(ge=1, le=2**63 - 1)],
        session: SessionDep,
    ) -> JSONResponse:
        message = await service.get_message(session=session, room_id=room.id, seq=seq)
        return JSONResponse(service.out(message).json_dict())

    return router
