"""The summary printed once the gateway answers."""

import os
from collections.abc import Sequence

from devstack.config import StackConfig
from devstack.gateway import access_log_path
from devstack.infra import InfraStatus
from devstack.processes import ProcessSpec

__all__ = ["render_banner"]


def render_banner(
    config: StackConfig,
    *,
    processes: Sequence[ProcessSpec],
    infra: Sequence[InfraStatus],
    pid: int | None = None,
) -> str:
    """Where everything is and how to stop it."""
    lines = [
        "",
        "Switchboard is up",
        f"  gateway   {config.gateway_url}",
        f"  docs      {config.gateway_url}/docs",
        f"  health    {config.gateway_url}/health",
        "  processes (direct, bypassing the gateway):",
    ]
    lines += [
        f"    {p.name:<10} http://127.0.0.1:{p.port}" for p in processes if p.name != "traefik"
    ]
    lines.append("  infra:")
    for status in infra:
        how = f"started by sbctl, log {status.log_file}" if status.started else "reused"
        lines.append(f"    {status.name:<10} {status.url} ({how})")
    lines += [
        f"  state     {config.state_dir} (keys, rendered Traefik config, infra data and logs)",
        "  logs      process output is in this terminal, prefixed by process name",
        f"  requests  {access_log_path(config)} (the gateway's access log)",
        f"  stop      Ctrl-C (or kill -TERM {pid if pid is not None else os.getpid()})",
        "",
    ]
    return "\n".join(lines)
