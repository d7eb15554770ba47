"""Alembic environment of the inventory schema."""

from inventory.dids.models import Did  # noqa: F401  (registers the table)
from inventory.models import Base
from switchkit.migrations import run_migrations

run_migrations(metadata=Base.metadata)
