"""`sbctl up` with some services' settings changed: the suite a benchmark starts.

    python -m harness.launch --set reviews.CACHE_ENABLED=false --set inventory.PAGE_CACHE_SIZE=0

A setting is named without the service's prefix (`REVIEWS_`) and goes over the runner's own,
so `reviews.REDIS_URL` points the reviews replicas, and only them, elsewhere. Everything else
is `sbctl up` as it is: ports, database, Redis and state dir from the same environment
variables (GATEWAY_PORT, SERVICE_PORT_BASE, SWITCHBOARD_*), the same infra reuse, and SIGTERM
or Ctrl-C stops everything it started.

This module is the harness's only use of the runner's Python API: `run_up` with a changed
table of services, the hook the runner keeps for benchmarks. The rest of the harness knows
the suite as processes behind ports.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from devstack.config import StackConfig
from devstack.console import warn
from devstack.errors import DevstackError
from devstack.services import SERVICES, ServiceSpec
from devstack.signals import Terminated, raise_on_termination
from devstack.up import run_up

__all__ = ["main", "parse_settings", "set_arguments"]


def parse_settings(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """`service.NAME=value` items -> {service: {NAME: value}}."""
    settings: dict[str, dict[str, str]] = {}
    for item in items:
        key, equals, value = item.partition("=")
        service, dot, name = key.partition(".")
        if not (equals and dot and service and name):
            raise ValueError(f"expected service.NAME=value, got {item!r}")
        settings.setdefault(service, {})[name] = value
    return settings


def set_arguments(settings: dict[str, dict[str, str]]) -> list[str]:
    """The command-line arguments that give `settings` to this launcher."""
    return [
        f"--set={service}.{name}={value}"
        for service, named in settings.items()
        for name, value in named.items()
    ]


def _with_settings(settings: dict[str, dict[str, str]]) -> tuple[ServiceSpec, ...]:
    unknown = set(settings) - {spec.name for spec in SERVICES}
    if unknown:
        raise DevstackError(f"no such service: {', '.join(sorted(unknown))}")
    return tuple(
        dataclasses.replace(spec, extra_env={**spec.extra_env, **settings[spec.name]})
        if spec.name in settings
        else spec
        for spec in SERVICES
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.launch", description=__doc__)
    parser.add_argument("--set", action="append", default=[], metavar="SERVICE.NAME=VALUE")
    args = parser.parse_args(argv)
    try:
        settings = parse_settings(args.set)
    except ValueError as exc:
        parser.error(str(exc))
    raise_on_termination()
    try:
        services = _with_settings(settings)
        return run_up(StackConfig.from_env(cwd=Path.cwd()), services=services)
    except (DevstackError, ValueError) as exc:
        warn(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143


if __name__ == "__main__":
    sys.exit(main())
