"""The dids table.

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

SCHEMA = "inventory"


def upgrade() -> None:
    op.create_table(
        "dids",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("e164", sa.Text(), nullable=False),
        sa.Column("monthly_price", sa.Numeric(8, 2), nullable=False),
        sa.Column("setup_price", sa.Numeric(8, 2), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("monthly_price >= 0", name="ck_dids_monthly_price_not_negative"),
        sa.CheckConstraint("setup_price >= 0", name="ck_dids_setup_price_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_dids"),
        sa.UniqueConstraint("e164", name="uq_dids_e164"),
        schema=SCHEMA,
    )
    # Sorting by price pages through the table; these keep such pages index-ordered.
    op.create_index("ix_dids_monthly_price", "dids", ["monthly_price", "id"], schema=SCHEMA)
    op.create_index("ix_dids_setup_price", "dids", ["setup_price", "id"], schema=SCHEMA)
    op.create_index("ix_dids_currency", "dids", ["currency", "id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("dids", schema=SCHEMA)
