"""pytest plugin: a real database (one transaction rolled back per test), Redis and NATS.

A service's `tests/conftest.py` defines a session fixture `service_under_test`; the plugin
then provisions the service's role and schema in the test database, runs its migrations
once, and gives each test a connection inside a transaction that is rolled back at the end.
`serve(app)` runs an app's lifespan and binds its request sessions to that transaction, so
what a test's requests commit is visible to the test and gone afterwards.

Where the servers are comes from the environment (`make test` starts any that are missing):
`SWITCHBOARD_PG_ADMIN_URL`, `SWITCHBOARD_TEST_DATABASE`, `SWITCHBOARD_TEST_REDIS_URL`,
`SWITCHBOARD_NATS_URL`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from switchkit.cli import migrations_of
from switchkit.db import Database
from switchkit.migrations import upgrade_head
from switchkit.provisioning import provision_service_database
from switchkit.settings import Environment, KitSettings
from switchkit.testing.tokens import TestTokens

__all__ = ["InfraUrls", "ServiceUnderTest", "settings_for_tests"]


@dataclass(frozen=True)
class ServiceUnderTest:
    name: str
    """The service's schema and login role."""
    migrations: Path
    settings: type[KitSettings] | None = None
    """The service's settings class, for the plugin's `settings_for` fixture."""

    @classmethod
    def of(cls, settings: type[KitSettings]) -> ServiceUnderTest:
        """The service its settings class names: its schema and role, its migrations."""
        return cls(
            name=settings.service_name, migrations=migrations_of(settings), settings=settings
        )


@dataclass(frozen=True)
class InfraUrls:
    database: str
    redis: str
    nats: str


SettingsT = TypeVar("SettingsT", bound=KitSettings)
UNREACHABLE_JWKS = "http://auth.invalid/jwks.json"


def settings_for_tests(
    settings_class: type[SettingsT], infra: InfraUrls, **overrides: Any
) -> SettingsT:
    """A service's settings in its tests: the test infra for what the service uses (its
    class says), and a JWKS URL no test reaches (tests give the app their own verifier)."""
    values: dict[str, Any] = {"environment": Environment.TEST, "database_url": infra.database}
    if settings_class.uses_redis:
        values["redis_url"] = infra.redis
    if settings_class.uses_nats:
        values["nats_url"] = infra.nats
    if settings_class.uses_jwks:
        values["jwks_url"] = UNREACHABLE_JWKS
    return settings_class(**{**values, **overrides})


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _service_dsn(admin_dsn: str, *, role: str, database: str) -> str:
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}:{role}@{host}:{parts.port or 5432}"
    return urlunsplit(("postgresql+asyncpg", netloc, f"/{database}", "", ""))


@pytest.fixture(scope="session")
async def infra_urls(service_under_test: ServiceUnderTest) -> InfraUrls:
    admin_dsn = _env("SWITCHBOARD_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    database = _env("SWITCHBOARD_TEST_DATABASE", "switchboard_test")
    role = service_under_test.name
    await provision_service_database(
        admin_dsn=admin_dsn, database=database, role=role, password=role
    )
    url = _service_dsn(admin_dsn, role=role, database=database)
    # Alembic's env runs its own event loop; keep it off this one.
    await asyncio.to_thread(
        upgrade_head, script_location=service_under_test.migrations, database_url=url
    )
    return InfraUrls(
        database=url,
        redis=_env("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/1"),
        nats=_env("SWITCHBOARD_NATS_URL", "nats://127.0.0.1:4222"),
    )


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    """Signs the tests' access tokens; apps under test verify with it (`token_verifier`)."""
    return TestTokens()


@pytest.fixture
def settings_for(
    service_under_test: ServiceUnderTest, infra_urls: InfraUrls
) -> Callable[..., KitSettings]:
    """Builds the service's test settings (`settings_for_tests`), with overrides."""
    settings_class = service_under_test.settings
    assert settings_class is not None, "service_under_test is ServiceUnderTest.of(Settings)"

    def build(**overrides: Any) -> KitSettings:
        return settings_for_tests(settings_class, infra_urls, **overrides)

    return build


@pytest.fixture(scope="session")
async def db_engine(infra_urls: InfraUrls) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(infra_urls.database, poolclass=pool.NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(db_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with db_engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def db_session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits only release savepoints of the test's transaction."""
    async with AsyncSession(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
async def redis(infra_urls: InfraUrls) -> AsyncIterator[Redis]:
    """The test Redis database, emptied before the test."""
    client = Redis.from_url(infra_urls.redis)
    await client.flushdb()
    yield client
    await client.aclose()


ServeApp = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve(db_connection: AsyncConnection, redis: Redis) -> ServeApp:
    """`async with serve(app) as client:` the app, started, on the test's transaction.

    `serve(app, committed=True)` leaves the app its own connection pool instead, for tests
    of truly concurrent requests (one connection cannot run two at once); what they commit
    stays, so such a test cleans up after itself.
    """

    @asynccontextmanager
    async def serving(app: FastAPI, *, committed: bool = False) -> AsyncIterator[httpx.AsyncClient]:
        async with app.router.lifespan_context(app):
            if not committed:
                # Every session the app opens (per request, per GraphQL resolver, per stream)
                # joins the test's transaction; its commits only release savepoints.
                database: Database = app.state.database
                database.sessions = async_sessionmaker(
                    bind=db_connection,
                    join_transaction_mode="create_savepoint",
                    expire_on_commit=False,
                )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                yield client

    return serving


ServeHttp = Callable[[FastAPI], AbstractAsyncContextManager[str]]
SERVER_START_SECONDS = 10.0


@pytest.fixture
def serve_http() -> ServeHttp:
    """`async with serve_http(app) as base_url:` the app behind a real uvicorn on loopback.

    For what an in-process client cannot do: endless streams (SSE), WebSockets, and several
    replicas talking through NATS. The app runs on its own pool (committed data: clean up).
    """

    @asynccontextmanager
    async def serving(app: FastAPI) -> AsyncIterator[str]:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        deadline = asyncio.get_running_loop().time() + SERVER_START_SECONDS
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                server.should_exit = True
                await task
                raise RuntimeError("the test server did not start")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task

    return serving
