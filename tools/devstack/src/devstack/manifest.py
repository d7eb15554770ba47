"""Service manifests: each service's `service.toml`, read into the runner's `ServiceSpec`.

A service declares once what it is (name, app factory, env prefix, ports, replicas), what it
uses and its gateway routes; `sbctl up` runs it from that, and `sbctl generate` writes the
gateway routes, the compose files and the Kubernetes objects from it. The format is described
in docs/local-run.md ("The service manifest"); services/auth/service.toml uses every key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "MANIFEST_NAME",
    "PORTAL_MANIFEST",
    "REPO_ROOT",
    "Deployment",
    "Route",
    "ServiceSpec",
    "load_manifest",
    "load_services",
]

MANIFEST_NAME = "service.toml"
PORTAL_MANIFEST = Path("gateway") / "portal" / MANIFEST_NAME
# tools/devstack/src/devstack/manifest.py: the checkout this (editable) package belongs to.
REPO_ROOT = Path(__file__).resolve().parents[4]
# One word: it is the Python package, the console script's suffix, the Postgres role and
# schema, and a Kubernetes object name (no `_`) all at once.
_NAME = re.compile(r"[a-z][a-z0-9]*")
_PREFIX = re.compile(r"[A-Z][A-Z0-9_]*")
# Every router strips client-sent identity headers first; protected ones then ask auth.
STRIP_IDENTITY = "strip-identity"
FORWARD_AUTH = "auth-verify"


@dataclass(frozen=True, kw_only=True)
class Route:
    """One gateway router of a service."""

    name: str
    rule: str
    """A Traefik rule; line breaks (kept when the file is generated) mean nothing to Traefik."""
    priority: int = 100
    public: bool = False
    """No token needed: the router skips ForwardAuth."""
    middlewares: tuple[str, ...] = ()
    """Middlewares after `strip-identity` and (unless public) `auth-verify`."""
    description: str = ""

    @property
    def rule_lines(self) -> list[str]:
        """The rule as written, a line at a time, whitespace collapsed."""
        return [" ".join(line.split()) for line in self.rule.splitlines() if line.strip()]

    @property
    def match(self) -> str:
        """The rule as Traefik reads it."""
        return " ".join(self.rule_lines)

    @property
    def chain(self) -> list[str]:
        """Every middleware of the router, in order."""
        auth = [] if self.public else [FORWARD_AUTH]
        return [STRIP_IDENTITY, *auth, *self.middlewares]


@dataclass(frozen=True, kw_only=True)
class Deployment:
    """How the service runs in docker-compose.prod.yml and on Kubernetes."""

    replicas: int = 2
    memory_request: str = "160Mi"
    """The Kubernetes memory request of one replica (the limit is 512Mi)."""
    host_env: tuple[str, ...] = ()
    """Variables compose passes through from the shell that runs it (e.g. a first admin)."""


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """How to run one service.

    `name` is also its console script (`switchboard-<name>`), its Postgres role and schema.
    """

    name: str
    app: str
    """The ASGI app factory, `module:function`, served with `uvicorn --factory`."""
    port_offset: int
    """Port of the first replica above SERVICE_PORT_BASE; further replicas take the next ones,
    unless `more_port_offsets` says otherwise."""
    env_prefix: str
    replicas: int = 1
    """Replicas `sbctl up` and docker-compose.yml run (production: `deploy.replicas`)."""
    more_port_offsets: tuple[int, ...] = ()
    """Ports of the replicas after the first, when the ones right above `port_offset` are
    another service's (one per extra replica). Empty: consecutive ports."""
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """More settings, named without the prefix (`{"FOO": "1"}` sets `<PREFIX>_FOO=1`)."""
    postgres: bool = True
    """Owns a schema and a login role named after it, and has migrations."""
    redis: bool = False
    """Needs `<PREFIX>_REDIS_URL` wherever it is deployed."""
    nats: bool = False
    """Needs `<PREFIX>_NATS_URL` wherever it is deployed."""
    signs_tokens: bool = False
    """Needs an Ed25519 key: generated with `switchboard-<name> keygen` and passed as
    `<PREFIX>_JWT_PRIVATE_KEY_FILE`."""
    verifies_tokens: bool = True
    """Gets `<PREFIX>_JWKS_URL`, the auth service's public keys."""
    calls_auth: bool = False
    """Gets `<PREFIX>_AUTH_URL`, the auth service's direct URL (first replica), for calls
    such as looking a user up."""
    seeds: bool = False
    """Runs `switchboard-<name> seed --if-empty` after its migrations (development only): a
    new checkout starts with sample data, and rows a developer added, changed or deleted are
    left as they are."""
    description: str = ""
    routes: tuple[Route, ...] = ()
    deploy: Deployment = field(default_factory=Deployment)
    directory: str = ""
    """The package's folder in the repository; empty: `services/<name>`."""

    @property
    def folder(self) -> str:
        """The package's folder, relative to the repository root."""
        return self.directory or f"services/{self.name}"

    @property
    def package(self) -> str:
        """The distribution name in the uv workspace."""
        return f"switchboard-{self.name}"


T = TypeVar("T")


class _Table:
    """A TOML table whose every key must be read exactly once, with the right type."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self._data = dict(data)
        self._where = where

    def take(self, key: str, kind: type[T], default: T | None = None) -> T:
        if key not in self._data:
            if default is None:
                raise ValueError(f"{self._where}: `{key}` is required")
            return default
        value = self._data.pop(key)
        # bool is an int to Python, never to a manifest.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{self._where}: `{key}` must be a {kind.__name__}, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.take(key, list, [])
        if not all(isinstance(value, str) for value in values):
            raise ValueError(f"{self._where}: `{key}` must be a list of strings")
        return tuple(values)

    def table(self, key: str) -> _Table:
        return _Table(self.take(key, dict, {}), f"{self._where} [{key}]")

    def done(self) -> None:
        if self._data:
            raise ValueError(f"{self._where}: unknown key(s) {', '.join(sorted(self._data))}")


def _route(data: Any, where: str) -> Route:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: each [[routes]] entry must be a table")
    table = _Table(data, where)
    route = Route(
        name=table.take("name", str),
        rule=table.take("rule", str),
        priority=table.take("priority", int, 100),
        public=table.take("public", bool, False),
        middlewares=table.strings("middlewares"),
        description=table.take("description", str, ""),
    )
    table.done()
    return route


def load_manifest(path: Path, *, root: Path | None = None) -> ServiceSpec:
    """Read one `service.toml`; anything unknown, missing or mistyped is a ValueError."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    top = _Table(data, where)
    name = top.take("name", str)
    if not _NAME.fullmatch(name):
        raise ValueError(f"{where}: name {name!r} must be one lowercase word (a-z, 0-9)")
    env_prefix = top.take("env_prefix", str)
    if not _PREFIX.fullmatch(env_prefix):
        raise ValueError(f"{where}: env_prefix {env_prefix!r} must be upper case, e.g. AUTH")
    uses = top.table("uses")
    deploy = top.table("deploy")
    extra_env = top.take("extra_env", dict, {})
    routes_data = top.take("routes", list, [])
    folder = path.parent.resolve().relative_to(root.resolve()).as_posix() if root else ""
    spec = ServiceSpec(
        name=name,
        app=top.take("app", str),
        env_prefix=env_prefix,
        description=" ".join(top.take("description", str, "").split()),
        port_offset=top.take("port_offset", int),
        replicas=top.take("replicas", int, 1),
        more_port_offsets=tuple(top.take("more_port_offsets", list, [])),
        extra_env={str(key): str(value) for key, value in extra_env.items()},
        postgres=uses.take("postgres", bool, True),
        redis=uses.take("redis", bool, False),
        nats=uses.take("nats", bool, False),
        signs_tokens=uses.take("signs_tokens", bool, False),
        verifies_tokens=uses.take("verifies_tokens", bool, True),
        calls_auth=uses.take("calls_auth", bool, False),
        seeds=uses.take("seed", bool, False),
        deploy=Deployment(
            replicas=deploy.take("replicas", int, 2),
            memory_request=deploy.take("memory_request", str, "160Mi"),
            host_env=deploy.strings("host_env"),
        ),
        routes=tuple(
            _route(entry, f"{where} [[routes]] #{index}")
            for index, entry in enumerate(routes_data, start=1)
        ),
        directory="" if folder == f"services/{name}" else folder,
    )
    for table in (top, uses, deploy):
        table.done()
    if not all(isinstance(offset, int) for offset in spec.more_port_offsets):
        raise ValueError(f"{where}: more_port_offsets must be a list of integers")
    if spec.replicas < 1 or spec.deploy.replicas < 1:
        raise ValueError(f"{where}: replicas must be at least 1")
    return spec


def load_services(root: Path = REPO_ROOT) -> tuple[ServiceSpec, ...]:
    """Every `services/<name>/service.toml`, in port order; the folder must bear the name."""
    specs = []
    for path in sorted((root / "services").glob(f"*/{MANIFEST_NAME}")):
        spec = load_manifest(path, root=root)
        if spec.name != path.parent.name:
            raise ValueError(f"{path}: name {spec.name!r} must be its folder's, {path.parent.name}")
        if not spec.postgres:
            raise ValueError(f"{path}: a service owns a Postgres schema (uses.postgres = true)")
        specs.append(spec)
    return tuple(sorted(specs, key=lambda spec: spec.port_offset))
