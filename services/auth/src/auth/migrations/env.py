"""Alembic environment of the auth schema."""

from auth.accounts.models import User  # noqa: F401  (registers the table)
from auth.models import Base
from auth.sessions.models import RefreshToken  # noqa: F401  (registers the table)
from switchkit.migrations import run_migrations

run_migrations(metadata=Base.metadata)
