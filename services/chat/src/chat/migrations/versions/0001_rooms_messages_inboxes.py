"""Rooms, room messages, inboxes and direct messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "chat"


def _timestamp() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        _timestamp(),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_rooms_name_key", "rooms", [sa.text("lower(name)")], unique=True, schema=SCHEMA
    )
    op.create_table(
        "room_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_message_id", sa.Text(), nullable=True),
        _timestamp(),
        sa.ForeignKeyConstraint(
            ["room_id"],
            [f"{SCHEMA}.rooms.id"],
            name="fk_room_messages_room_id_rooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_room_messages"),
        sa.UniqueConstraint("room_id", "seq", name="uq_room_messages_room_id_seq"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_room_messages_idempotency",
        "room_messages",
        ["room_id", "author_id", "client_message_id"],
        unique=True,
        postgresql_where=sa.text("client_message_id IS NOT NULL"),
        schema=SCHEMA,
    )
    op.create_table(
        "inboxes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_inboxes"),
        schema=SCHEMA,
    )
    op.create_table(
        "direct_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_user_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_message_id", sa.Text(), nullable=True),
        _timestamp(),
        sa.PrimaryKeyConstraint("id", name="pk_direct_messages"),
        sa.UniqueConstraint("to_user_id", "seq", name="uq_direct_messages_to_user_id_seq"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_direct_messages_idempotency",
        "direct_messages",
        ["to_user_id", "author_id", "client_message_id"],
        unique=True,
        postgresql_where=sa.text("client_message_id IS NOT NULL"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_direct_messages_conversation",
        "direct_messages",
        ["to_user_id", "author_id", "seq"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("direct_messages", schema=SCHEMA)
    op.drop_table("inboxes", schema=SCHEMA)
    op.drop_table("room_messages", schema=SCHEMA)
    op.drop_table("rooms", schema=SCHEMA)
