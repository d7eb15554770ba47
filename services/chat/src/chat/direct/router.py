"""HTTP routes of direct messages (`/users/{userId}/messages`, `/me/messages`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from chat.dependencies import BusDep, DirectoryDep
from chat.direct import service
from chat.messages.responses import SENT_RESPONSES, sent
from chat.messages.schemas import MessageIn, MessageOut
from chat.messages.window import WindowDep
from switchkit.db import SessionDep
from switchkit.identity import CurrentUser, bearer_token
from switchkit.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["direct messages"])
UserId = Annotated[uuid.UUID, Path(description="The recipient's user id")]
WithUser = Annotated[uuid.UUID | None, Query(alias="with", description="Only those from this user")]


@router.post(
    "/users/{user_id}/messages",
    status_code=201,
    response_model=MessageOut,
    responses={**SENT_RESPONSES, **problem_responses(400, 401, 404, 503)},
    summary="Send a direct message to a user",
)
async def send_message(
    author: CurrentUser,
    user_id: UserId,
    body: MessageIn,
    session: SessionDep,
    bus: BusDep,
    directory: DirectoryDep,
    request: Request,
) -> Response:
    """404 when no such user exists (asked of the auth service)."""
    token = bearer_token(request)
    assert token is not None, "CurrentUser required one"
    message, new = await service.send(
        session=session,
        bus=bus,
        directory=directory,
        to_user_id=user_id,
        data=body,
        author=author,
        token=token,
    )
    location = request.url_for("get_direct_message", user_id=user_id, message_id=message.id)
    return sent(MessageOut.of(message), new=new, location=location)


@router.get(
    "/users/{user_id}/messages/{message_id}",
    responses=problem_responses(400, 401, 404),
    summary="One direct message, for its author or its recipient",
)
async def get_direct_message(
    reader: CurrentUser, user_id: UserId, message_id: uuid.UUID, session: SessionDep
) -> MessageOut:
    message = await service.get(
        session=session, message_id=message_id, to_user_id=user_id, reader=reader.user_id
    )
    return MessageOut.of(message)


@router.get(
    "/me/messages",
    responses=problem_responses(400, 401),
    summary="The direct messages posted to the caller, oldest first, by inbox seq",
)
async def my_messages(
    reader: CurrentUser,
    window: WindowDep,
    session: SessionDep,
    request: Request,
    response: Response,
    with_user: WithUser = None,
) -> list[MessageOut]:
    messages = await service.inbox(
        session=session, user_id=reader.user_id, other=with_user, window=window
    )
    response.headers.update(window.links(request.url, [m.seq for m in messages]))
    return [MessageOut.of(m) for m in messages]
