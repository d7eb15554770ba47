"""Create a service's database, login role and private schema in a Postgres cluster.

Every service owns one schema in a shared database and logs in with a role that can touch only
that schema. `provision_service_database` sets this up and can be run again at any time: it
creates what is missing and resets what may have drifted (the role's password). It serialises
concurrent callers (the local runner and the test plugin may run it at the same moment) with an
advisory lock, and also tolerates callers that do not take the lock.
"""

import contextlib
import re

import asyncpg

__all__ = ["InvalidIdentifierError", "provision_service_database"]

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# Postgres truncates longer names silently, which would make two names collide.
_MAX_IDENTIFIER_LENGTH = 63
# Advisory locks live in one database's lock space: every caller takes it in the admin database.
_LOCK_NAME = "switchkit.provisioning"


class InvalidIdentifierError(ValueError):
    """A database or role name that is not a plain lower-case SQL identifier."""


def _quote_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name) or len(name) > _MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifierError(
            f"{name!r} is not a valid name: use lower-case letters, digits and _ "
            f"(at most {_MAX_IDENTIFIER_LENGTH} characters, not starting with a digit)"
        )
    # Quoted even though the pattern needs no quoting, so a reserved word such as "user" works.
    return f'"{name}"'


async def provision_service_database(
    *, admin_dsn: str, database: str, role: str, password: str
) -> None:
    """Make sure `database` exists and `role` can log in to it and use only its own schema.

    `admin_dsn` must name a superuser (or a role with CREATEDB and CREATEROLE) and a database to
    connect to first, usually `postgres`. The role's schema has the role's name and is its
    `search_path` in `database`; the `public` schema and the database itself are closed to
    everyone else.
    """
    quoted_database = _quote_identifier(database)
    quoted_role = _quote_identifier(role)
    admin = await asyncpg.connect(admin_dsn)
    try:
        # Released when the connection closes, even if a statement below fails.
        await admin.execute("SELECT pg_advisory_lock(hashtext($1))", _LOCK_NAME)
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            # A caller that does not take the lock may create it meanwhile.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f"CREATE DATABASE {quoted_database}")
        await _ensure_role(admin, role=role, quoted_role=quoted_role, password=password)
        target = await asyncpg.connect(admin_dsn, database=database)
        try:
            await _lock_down_database(
                target, quoted_database=quoted_database, quoted_role=quoted_role
            )
        finally:
            await target.close()
    finally:
        await admin.close()


async def _ensure_role(
    conn: asyncpg.Connection, *, role: str, quoted_role: str, password: str
) -> None:
    # Utility statements take no bind parameters, so the server quotes the password literal.
    literal = await conn.fetchval("SELECT quote_literal($1::text)", password)
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        try:
            await conn.execute(f"CREATE ROLE {quoted_role} LOGIN PASSWORD {literal}")
        except asyncpg.DuplicateObjectError:
            pass  # created meanwhile; the ALTER below sets the password we were given
        else:
            return
    await conn.execute(f"ALTER ROLE {quoted_role} WITH LOGIN PASSWORD {literal}")


async def _lock_down_database(
    conn: asyncpg.Connection, *, quoted_database: str, quoted_role: str
) -> None:
    # IF NOT EXISTS still races with a concurrent CREATE SCHEMA of the same name.
    with contextlib.suppress(asyncpg.DuplicateSchemaError, asyncpg.UniqueViolationError):
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted_role} AUTHORIZATION {quoted_role}")
    await conn.execute(
        f"ALTER ROLE {quoted_role} IN DATABASE {quoted_database} SET search_path = {quoted_role}"
    )
    await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    await conn.execute(f"REVOKE ALL ON DATABASE {quoted_database} FROM PUBLIC")
    await conn.execute(f"GRANT CONNECT ON DATABASE {quoted_database} TO {quoted_role}")
