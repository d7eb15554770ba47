"""Alembic glue: each service's env.py calls `run_migrations`; its CLI calls `upgrade_head`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

__all__ = ["alembic_config", "run_migrations", "upgrade_head"]


def alembic_config(*, script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # Alembic's ini interpolation treats % specially; URLs may carry encoded characters.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_head(*, script_location: Path, database_url: str) -> None:
    config = alembic_config(script_location=script_location, database_url=database_url)
    command.upgrade(config, "head")


def run_migrations(*, metadata: MetaData) -> None:
    """Body of a service's env.py: online migrations on the async engine, inside its schema."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by alembic_config"
    schema = metadata.schema
    assert schema, "service metadata is bound to its schema"

    def migrate(connection: Connection) -> None:
        # Replicas (two chat nodes, k8s pods) may start together; one migrates at a time and
        # the others then find nothing left to do. Released when the connection closes.
        connection.execute(
            text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": f"alembic:{schema}"}
        )
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        migrate(connection)
    else:
        asyncio.run(run())
