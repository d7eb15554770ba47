"""Getting each service's database, role, key and schema ready before it starts."""

import asyncio
import os
from collections.abc import Mapping, Sequence

import asyncpg

from devstack.commands import find_program, run_checked
from devstack.config import StackConfig
from devstack.console import say
from devstack.environment import dev_password, service_env, signing_key_path
from devstack.errors import DevstackError
from devstack.services import ServiceSpec
from switchkit.provisioning import provision_service_database

__all__ = ["prepare_services", "provision_databases", "setup_commands"]


async def _provision_all(*, admin_dsn: str, database: str, services: Sequence[ServiceSpec]) -> None:
    for spec in services:
        await provision_service_database(
            admin_dsn=admin_dsn,
            database=database,
            role=spec.name,
            password=dev_password(spec.name),
        )


def provision_databases(
    config: StackConfig, *, database: str, services: Sequence[ServiceSpec]
) -> None:
    """Create `database` and every service's role and schema in it."""
    say(f"postgres: provisioning database {database} for {', '.join(s.name for s in services)}")
    try:
        asyncio.run(
            _provision_all(admin_dsn=config.pg_admin_url, database=database, services=services)
        )
    except (OSError, ValueError, asyncpg.PostgresError) as exc:
        raise DevstackError(f"provisioning {database} failed: {exc}") from exc


def setup_commands(config: StackConfig, spec: ServiceSpec) -> list[list[str]]:
    """The one-off subcommands of `switchboard-<name>` to run, in order, before it serves."""
    commands: list[list[str]] = []
    if spec.signs_tokens:
        commands.append(["keygen", str(signing_key_path(config, spec))])
    commands.append(["migrate"])
    if spec.seeds:
        # Only into an empty table: a plain `seed` would bring back sample rows the developer
        # deleted on every `make up`.
        commands.append(["seed", "--if-empty"])
    return commands


def prepare_services(
    config: StackConfig, *, services: Sequence[ServiceSpec], environ: Mapping[str, str] = os.environ
) -> None:
    """Provision, then run every service's setup commands; stop at the first failure."""
    provision_databases(config, database=config.database, services=services)
    for spec in services:
        program = find_program(f"switchboard-{spec.name}")
        if program is None:
            raise DevstackError(
                f"switchboard-{spec.name} not found: is the {spec.name} package installed "
                "(uv sync --all-packages)?"
            )
        if spec.signs_tokens:
            # Private keys: only the owner may list or read the directory.
            signing_key_path(config, spec).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {**environ, **service_env(config, spec, database=config.database, services=services)}
        for args in setup_commands(config, spec):
            say(f"{spec.name}: {' '.join(args)}")
            run_checked([program, *args], what=f"{spec.name} {args[0]}", env=env)
