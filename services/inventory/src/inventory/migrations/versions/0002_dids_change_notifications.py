"""Every commit that changes the dids table notifies listeners (the list-page caches).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"
# The channel name is part of inventory.dids.cache (CHANGES_CHANNEL); a migration must not
# import application code, which changes after it.
CHANNEL = "inventory_dids_changed"


def upgrade() -> None:
    # Per statement, not per row: a seed of 800 rows is one notification. Postgres delivers
    # it at commit, and never for a rolled-back transaction.
    op.execute(
        f"""
        CREATE FUNCTION {SCHEMA}.notify_dids_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_OP);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER dids_changed
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {SCHEMA}.dids
        FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.notify_dids_changed()
        """
    )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER dids_changed ON {SCHEMA}.dids")
    op.execute(f"DROP FUNCTION {SCHEMA}.notify_dids_changed()")
