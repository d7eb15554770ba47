"""The long-lived processes of a local run: every service replica, the portal and Traefik."""

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.config import StackConfig
from devstack.environment import gateway_env, portal_env, service_env
from devstack.logconfig import log_config_path
from devstack.services import PORTAL_PORT_OFFSET, ServiceSpec, replica_names, replica_ports

__all__ = [
    "PORTAL_APP",
    "ProcessSpec",
    "build_processes",
    "busy",
    "traefik_runtime_env",
    "uvicorn_argv",
]

PORTAL_APP = "portal.main:create_app"


@dataclass(frozen=True, kw_only=True)
class ProcessSpec:
    """One supervised process: a name, a command, the variables added to the environment."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    port: int


def uvicorn_argv(
    *, python: str, app: str, port: int, log_config: Path | None = None
) -> tuple[str, ...]:
    """Serve an app factory on loopback behind the gateway; `log_config` for a service's app
    (`devstack.logconfig`), none for the portal, which keeps uvicorn's own logging."""
    log_options = ("--log-config", str(log_config)) if log_config is not None else ()
    return (
        python,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",  # Traefik writes the access log, once per request
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        *log_options,
    )


def build_processes(
    config: StackConfig,
    *,
    services: Sequence[ServiceSpec],
    python: str,
    traefik: str,
    static_config: Path,
) -> list[ProcessSpec]:
    """Every process `sbctl up` supervises; Traefik comes last, after what it routes to."""
    processes: list[ProcessSpec] = []
    log_config = log_config_path(config)
    for spec in services:
        env = service_env(config, spec, database=config.database, services=services)
        ports = replica_ports(spec, base=config.service_port_base)
        for name, port in zip(replica_names(spec), ports, strict=True):
            argv = uvicorn_argv(python=python, app=spec.app, port=port, log_config=log_config)
            processes.append(ProcessSpec(name=name, argv=argv, env=env, port=port))
    portal_port = config.service_port_base + PORTAL_PORT_OFFSET
    processes.append(
        ProcessSpec(
            name="portal",
            argv=uvicorn_argv(python=python, app=PORTAL_APP, port=portal_port),
            env=portal_env(config, services=services),
            port=portal_port,
        )
    )
    processes.append(
        ProcessSpec(
            name="traefik",
            argv=(traefik, f"--configFile={static_config}"),
            env={**gateway_env(config, services=services), **traefik_runtime_env()},
            port=config.gateway_port,
        )
    )
    return processes


def traefik_runtime_env(cpus: int | None = None) -> dict[str, str]:
    """Go runtime settings for Traefik, each unless the environment sets it already.

    Locally, Traefik shares the machine with every service, Postgres and Redis. Measured on
    two CPUs under load (Traefik CPU per proxied request, with ForwardAuth):

    - GOMAXPROCS, half the CPUs: given every CPU, Go's idle scheduler threads spin looking
      for work and wake each other on every request (0.58-0.60 ms with two, 0.44-0.49 with
      one), and the services get the difference;
    - GOGC=300: garbage collected a third as often, for a heap of a few tens of MB more
      (0.36-0.45 ms with the default 100, 0.31-0.34 with 300).
    """
    wanted = {
        "GOMAXPROCS": str(max(1, (cpus or os.cpu_count() or 1) // 2)),
        "GOGC": "300",
    }
    return {name: value for name, value in wanted.items() if name not in os.environ}


def busy(processes: Sequence[ProcessSpec]) -> list[ProcessSpec]:
    """The processes whose port something already listens on (say, another `sbctl up`).

    Checked up front: otherwise the health check could reach the other run's gateway and
    report this one as up while its own Traefik is failing to bind.
    """
    taken = []
    for process in processes:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", process.port)) == 0:
                taken.append(process)
    return taken
