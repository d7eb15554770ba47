"""Alembic environment of the reviews schema."""

from reviews.book_reviews.models import Review  # noqa: F401  (registers the table)
from reviews.books.models import Book  # noqa: F401  (registers the table)
from reviews.models import Base
from switchkit.migrations import run_migrations

run_migrations(metadata=Base.metadata)
