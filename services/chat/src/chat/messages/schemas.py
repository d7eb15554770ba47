"""Message bodies, and the one way every message (in a room or an inbox) is answered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from chat.direct.models import DirectMessage
from chat.rooms.models import RoomMessage

__all__ = ["Author", "MessageIn", "MessageOut"]

MAX_TEXT = 4000
ClientMessageId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class MessageIn(_Camel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)
    ] = Field(
        examples=["Hello, room!"],
        description=f"1-{MAX_TEXT} characters after trimming; stored and returned as given",
    )
    client_message_id: ClientMessageId | None = Field(
        None,
        examples=["3f6c1a2e-7d1b-4c53-9a8e-1f2d3c4b5a69"],
        description="Makes the send idempotent: a retry with the same id returns the original",
    )


class Author(_Camel):
    id: uuid.UUID
    username: str


class MessageOut(_Camel):
    """A room message (`roomId`) or a direct message (`toUserId`)."""

    id: uuid.UUID
    seq: int = Field(description="Strictly increasing, without gaps, within its room or inbox")
    room_id: uuid.UUID | None = None
    to_user_id: uuid.UUID | None = None
    author: Author
    text: str
    client_message_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, message: RoomMessage | DirectMessage) -> MessageOut:
        return cls(
            id=message.id,
            seq=message.seq,
            room_id=message.room_id if isinstance(message, RoomMessage) else None,
            to_user_id=message.to_user_id if isinstance(message, DirectMessage) else None,
            author=Author(id=message.author_id, username=message.author_name),
            text=message.text,
            client_message_id=message.client_message_id,
            created_at=message.created_at,
        )

    def json_dict(self) -> dict[str, object]:
        """The message as plain JSON values, for what is not an HTTP answer (NATS, streams)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)
