"""`switchboard-inventory`: migrations and sample data, from a shell."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.config import Settings
from inventory.dids.seed import seed
from switchkit.cli import in_transaction, service_cli
from switchkit.settings import Environment


def seed_command(args: argparse.Namespace) -> int:
    settings = Settings()
    if settings.environment is Environment.PROD:
        print("refused: production inventories are never seeded", file=sys.stderr)
        return 2

    async def load(session: AsyncSession) -> int:
        return await seed(session=session, only_if_empty=args.if_empty)

    added = in_transaction(settings, load)
    print(f"seeded {added} DIDs")
    return 0


def _commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    seeder = commands.add_parser("seed", help="load ~800 sample DIDs (idempotent; never in prod)")
    seeder.add_argument(
        "--if-empty", action="store_true", help="only when the inventory has no DID at all"
    )
    seeder.set_defaults(run=seed_command)


main = service_cli(Settings, description=__doc__ or "", add_commands=_commands)
