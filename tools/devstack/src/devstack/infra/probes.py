"""Checks that a server answers, in its own protocol, at a configured address."""

import asyncio
import socket
import time
from collections.abc import Callable

import asyncpg
import redis

from devstack.config import Endpoint
from devstack.errors import DevstackError

__all__ = [
    "NotAnswering",
    "check_nats",
    "check_postgres",
    "check_redis",
    "port_is_open",
    "wait_until_answers",
]

_CONNECT_TIMEOUT = 2.0


class NotAnswering(Exception):
    """The server is not (yet) usable; the message says why."""


def port_is_open(endpoint: Endpoint) -> bool:
    """Whether anything accepts TCP connections there."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=_CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def check_postgres(admin_url: str) -> None:
    """Log in with the admin URL and run a query."""

    async def probe() -> None:
        conn = await asyncpg.connect(admin_url, timeout=_CONNECT_TIMEOUT)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise NotAnswering(f"{type(exc).__name__}: {exc}") from exc


def check_redis(url: str) -> None:
    """PING."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=_CONNECT_TIMEOUT, socket_timeout=_CONNECT_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        raise NotAnswering(f"{type(exc).__name__}: {exc}") from exc
    finally:
        client.close()


def check_nats(endpoint: Endpoint) -> None:
    """A NATS server greets every new connection with an INFO line."""
    try:
        with socket.create_connection(
            (endpoint.host, endpoint.port), timeout=_CONNECT_TIMEOUT
        ) as sock:
            greeting = sock.recv(4)
    except OSError as exc:
        raise NotAnswering(f"{type(exc).__name__}: {exc}") from exc
    if greeting != b"INFO":
        raise NotAnswering(f"expected a NATS INFO greeting, got {greeting!r}")


def wait_until_answers(
    check: Callable[[], None], *, what: str, timeout: float, log_file: str
) -> None:
    """Poll `check` until it passes; on timeout raise with the last reason and the log's path."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
        except NotAnswering as exc:
            if time.monotonic() >= deadline:
                raise DevstackError(
                    f"{what} did not answer within {timeout:.0f} s ({exc}); see {log_file}"
                ) from exc
            time.sleep(0.25)
        else:
            return
