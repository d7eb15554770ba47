"""Alembic environment of the chat schema."""

from chat.direct.models import DirectMessage, Inbox  # noqa: F401  (registers the tables)
from chat.models import Base
from chat.rooms.models import Room, RoomMessage  # noqa: F401  (registers the tables)
from switchkit.migrations import run_migrations

run_migrations(metadata=Base.metadata)
