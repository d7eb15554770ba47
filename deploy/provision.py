"""Create each named service's database, login role and schema, for container deployments.

    python provision.py SERVICE...

It reads the Postgres superuser DSN from SWITCHBOARD_PG_ADMIN_URL (`postgresql://...`, the same
variable `sbctl` reads) and, for each SERVICE, the URL that service itself connects with,
`<SERVICE>_DATABASE_URL`: the role, password and database in that URL are what gets created,
so a service and its provisioning cannot disagree. The work is done by
switchkit.provisioning, the code the local runner and the test plugin use; this file only
feeds it. Safe to run on every start: it creates what is missing and resets the password.

Shipped in the auth image (/app/deploy/provision.py), which has switchkit installed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import asyncpg

from switchkit.provisioning import provision_service_database

# Postgres may still be starting (a Kubernetes one-off has no depends_on to wait with).
CONNECT_ATTEMPTS = 30
CONNECT_DELAY_SECONDS = 2.0


@dataclass(frozen=True)
class Target:
    database: str
    role: str
    password: str


def target_of(service: str, environ: Mapping[str, str]) -> Target:
    """What to provision for `service`, from the URL it connects with."""
    variable = f"{service.upper().replace('-', '_')}_DATABASE_URL"
    url = environ.get(variable)
    if not url:
        raise SystemExit(f"provision: {variable} is not set")
    parts = urlsplit(url)
    role = unquote(parts.username or "")
    password = unquote(parts.password or "")
    database = parts.path.lstrip("/")
    # The schema is named after the role, and the service's tables live in a schema named
    # after the service: another role name would provision a schema nobody uses.
    if role != service:
        raise SystemExit(f"provision: {variable} must log in as role {service!r}, not {role!r}")
    if not password or not database:
        raise SystemExit(f"provision: {variable} must name a password and a database")
    return Target(database=database, role=role, password=password)


async def provision(services: list[str], environ: Mapping[str, str]) -> None:
    admin_dsn = environ.get("SWITCHBOARD_PG_ADMIN_URL")
    if not admin_dsn:
        raise SystemExit("provision: SWITCHBOARD_PG_ADMIN_URL is not set")
    targets = {service: target_of(service, environ) for service in services}
    for service, target in targets.items():
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                await provision_service_database(
                    admin_dsn=admin_dsn,
                    database=target.database,
                    role=target.role,
                    password=target.password,
                )
                break
            except (OSError, asyncpg.CannotConnectNowError) as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise
                print(f"provision: postgres not reachable yet ({exc!r}); retrying", flush=True)
                await asyncio.sleep(CONNECT_DELAY_SECONDS)
        print(f"provision: {service}: role and schema ready in database {target.database}")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    asyncio.run(provision(argv, os.environ))
    print(f"provision: done in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
