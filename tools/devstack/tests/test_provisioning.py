"""switchkit.provisioning against the real Postgres that `sbctl infra` provides."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from switchkit.provisioning import InvalidIdentifierError, provision_service_database

ADMIN_DSN = os.environ.get(
    "SWITCHBOARD_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
async def names() -> AsyncIterator[tuple[str, str, str]]:
    """A database and two roles of this test's own, dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    database, first, second = f"prov_{suffix}", f"alpha_{suffix}", f"beta_{suffix}"
    yield database, first, second
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (first, second):
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await admin.close()


def _role_dsn(role: str, database: str) -> str:
    """The admin DSN's server, logged in as `role`."""
    parts = urlsplit(ADMIN_DSN)
    return urlunsplit(
        parts._replace(netloc=f"{role}:{role}@{parts.hostname}:{parts.port}", path=f"/{database}")
    )


async def test_concurrent_runs_give_each_role_only_its_own_schema(
    names: tuple[str, str, str],
) -> None:
    database, first, second = names
    await asyncio.gather(
        *(
            provision_service_database(
                admin_dsn=ADMIN_DSN, database=database, role=role, password=role
            )
            for role in (first, second, first, second)
        )
    )
    conn = await asyncpg.connect(_role_dsn(first, database))
    try:
        assert await conn.fetchval("SELECT current_schema()") == first
        await conn.execute("CREATE TABLE things (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.things (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f'CREATE TABLE "{second}".things (id int)')
    finally:
        await conn.close()


async def test_running_again_changes_nothing_but_the_password(
    names: tuple[str, str, str],
) -> None:
    database, first, _ = names
    for password in ("old", first):
        await provision_service_database(
            admin_dsn=ADMIN_DSN, database=database, role=first, password=password
        )
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        assert await admin.fetchval(
            "SELECT has_database_privilege($1, $2, 'CONNECT')", first, database
        )
        assert not await admin.fetchval(
            "SELECT has_database_privilege('public', $1, 'CONNECT')", database
        )
    finally:
        await admin.close()


@pytest.mark.parametrize(
    ("database", "role"),
    [
        ("Switchboard", "auth"),
        ("switchboard", "auth; DROP ROLE x"),
        ("db", "1auth"),
        ("a" * 64, "r"),
    ],
)
async def test_names_that_are_not_plain_identifiers_are_refused(database: str, role: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        await provision_service_database(
            admin_dsn=ADMIN_DSN, database=database, role=role, password="x"
        )
