"""The runner's settings, read from environment variables."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Endpoint", "StackConfig", "endpoint_of", "find_repo_root", "with_redis_db"]

_DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "nats": 4222}


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Host and port a server is expected at."""

    host: str
    port: int

    @property
    def is_local(self) -> bool:
        """Whether the runner could start the server itself (it binds 127.0.0.1)."""
        return self.host in {"127.0.0.1", "localhost"}


def endpoint_of(url: str) -> Endpoint:
    """Where a postgresql://, redis:// or nats:// URL points, with the scheme's default port."""
    parts = urlsplit(url)
    default_port = _DEFAULT_PORTS.get(parts.scheme)
    if default_port is None or not parts.hostname:
        raise ValueError(f"expected a postgresql://, redis:// or nats:// URL, got {url!r}")
    return Endpoint(host=parts.hostname, port=parts.port or default_port)


def with_redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def find_repo_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding the gateway configuration."""
    for candidate in (start, *start.parents):
        if (candidate / "gateway" / "traefik.yml").is_file():
            return candidate
    raise ValueError(f"no Switchboard checkout (gateway/traefik.yml) at or above {start}")


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a port number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{name} must be between 1 and 65535, got {port}")
    return port


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    """Everything `sbctl` needs to know about where things run."""

    root: Path
    state_dir: Path
    gateway_port: int
    service_port_base: int
    database: str
    pg_admin_url: str
    redis_url: str
    nats_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, *, cwd: Path) -> "StackConfig":
        """Read the settings; relative paths are taken from the repository root."""
        root = find_repo_root(cwd.resolve())
        config = cls(
            root=root,
            state_dir=root / (environ.get("SWITCHBOARD_STATE_DIR") or ".run"),
            gateway_port=_port(environ, "GATEWAY_PORT", 8080),
            service_port_base=_port(environ, "SERVICE_PORT_BASE", 8100),
            database=environ.get("SWITCHBOARD_DATABASE") or "switchboard",
            pg_admin_url=environ.get("SWITCHBOARD_PG_ADMIN_URL")
            or "postgresql://postgres@127.0.0.1:5432/postgres",
            redis_url=environ.get("SWITCHBOARD_REDIS_URL") or "redis://127.0.0.1:6379/0",
            nats_url=environ.get("SWITCHBOARD_NATS_URL") or "nats://127.0.0.1:4222",
        )
        # Fail on a malformed URL now rather than half-way through starting things.
        for url in (config.pg_admin_url, config.redis_url, config.nats_url):
            endpoint_of(url)
        return config

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway, as clients and absolute Location headers use it."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def postgres(self) -> Endpoint:
        """Where Postgres is expected."""
        return endpoint_of(self.pg_admin_url)

    @property
    def redis(self) -> Endpoint:
        """Where Redis is expected."""
        return endpoint_of(self.redis_url)

    @property
    def nats(self) -> Endpoint:
        """Where NATS is expected."""
        return endpoint_of(self.nats_url)

    def database_url(self, *, role: str, password: str, database: str) -> str:
        """SQLAlchemy URL a service connects with, on the same server as the admin URL."""
        pg = self.postgres
        host = f"[{pg.host}]" if ":" in pg.host else pg.host
        return f"postgresql+asyncpg://{role}:{password}@{host}:{pg.port}/{database}"
