"""The answer to a sent message, the same for rooms and direct messages."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from chat.messages.schemas import MessageOut

__all__ = ["sent_response"]


def sent_response(message: MessageOut, *, new: bool, location: str) -> JSONResponse:
    """201 with the new message; 200 with the original when its `clientMessageId` was seen."""
    return JSONResponse(
        message.json_dict(), status_code=201 if new else 200, headers={"Location": location}
    )
