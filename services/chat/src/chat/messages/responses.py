"""The answer to a sent message, the same for rooms and direct messages."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URL
from starlette.responses import Response

from chat.messages.schemas import MessageOut
from switchkit.responses import created

__all__ = ["SENT_RESPONSES", "sent"]


def sent(message: MessageOut, *, new: bool, location: URL | str) -> Response:
    """201 with the new message and its absolute `Location`; the same answer with 200 when a
    retry's `clientMessageId` was seen, carrying the original message."""
    answer = created(message, location=location)
    if not new:
        answer.status_code = 200
    return answer


SENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A retry: the message first sent with this clientMessageId",
        "model": MessageOut,
    }
}
"""The retry's answer, for the routes' OpenAPI `responses` beside their 201."""
