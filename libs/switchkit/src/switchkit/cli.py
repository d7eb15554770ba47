"""The command line every service has (`switchboard-<name> migrate`), plus its own commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from switchkit.db import Database
from switchkit.migrations import upgrade_head
from switchkit.settings import KitSettings

__all__ = ["Command", "in_transaction", "migrations_of", "service_cli"]

T = TypeVar("T")
Command = Callable[[argparse.Namespace], int]
AddCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def migrations_of(settings: type[KitSettings]) -> Path:
    """A service's Alembic folder: `migrations/` in the package that defines its settings."""
    package = sys.modules[settings.__module__.partition(".")[0]]
    assert package.__file__, f"{package.__name__} is a regular package"
    return Path(package.__file__).parent / "migrations"


def service_cli(
    settings: type[KitSettings],
    *,
    description: str = "",
    add_commands: AddCommands | None = None,
) -> Callable[[list[str] | None], int]:
    """`switchboard-<name>`'s `main(argv)`: `migrate`, and whatever `add_commands` registers.

    Each command is a subparser whose `run` default takes the parsed arguments and returns
    the exit code. The name and the migrations come from the service's settings class.
    """
    prog = f"switchboard-{settings.service_name}"
    migrations = migrations_of(settings)

    def migrate(_: argparse.Namespace) -> int:
        database_url = settings().database_url
        assert database_url, "settings give a database URL or refuse to load"
        upgrade_head(script_location=migrations, database_url=database_url)
        return 0

    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=prog, description=description)
        commands = parser.add_subparsers(required=True)
        commands.add_parser("migrate", help="apply the database migrations").set_defaults(
            run=migrate
        )
        if add_commands is not None:
            add_commands(commands)
        args = parser.parse_args(argv)
        code: int = args.run(args)
        return code

    return main


def in_transaction(settings: KitSettings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` in one transaction on the service's database, from synchronous code."""

    async def run() -> T:
        assert settings.database_url, "settings give a database URL or refuse to load"
        database = Database(settings.database_url)
        try:
            async with database.sessions.begin() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(run())
