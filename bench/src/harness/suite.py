"""The suite under test: `sbctl up` on ports of its own, ready when every process answers.

The harness relies on three things about a running suite, none of them the runner's insides:
the gateway answers `/health` once it routes; every uvicorn process has `--port N` and
`<app>.main:create_app` on its command line and answers `/health`; and whatever serves the
suite listens on its ports (the gateway's, and a block from SERVICE_PORT_BASE). Processes
are found from those ports and from the tree of the process the harness started.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from harness.console import ROOT, BenchError, say, shown_path
from harness.launch import set_arguments
from harness.proc import ancestry_roots, listening_pids, process_table

__all__ = [
    "PORT_BLOCK",
    "Started",
    "Suite",
    "SuitePorts",
    "free_port",
    "free_suite_ports",
    "port_free",
    "start",
    "start_suite",
    "wait_until",
]

PORT_BLOCK = 20
"""Ports from SERVICE_PORT_BASE that belong to the suite (the runner uses the first eight)."""
READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 60.0
_UVICORN_PORT = re.compile(r"uvicorn\b.*--port[ =](\d+)")
_APP = re.compile(r"(\w+)\.main:create_app")


def port_free(port: int) -> bool:
    """Nothing listens on the loopback port, and it can be bound."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, kw_only=True)
class SuitePorts:
    gateway: int
    service_base: int

    def all(self) -> list[int]:
        return [*range(self.service_base, self.service_base + PORT_BLOCK), self.gateway]


def free_suite_ports(*, start: int, gateway: int | None = None) -> SuitePorts:
    """A block of free ports from `start` (searched upwards when `gateway` is not fixed); the
    gateway right after the block unless given."""
    if gateway is not None:
        ports = SuitePorts(gateway=gateway, service_base=start)
        taken = [port for port in ports.all() if not port_free(port)]
        if taken:
            raise BenchError(f"ports in use: {taken}; pick others with --port-base/--gateway-port")
        return ports
    for base in range(start, 65000 - 2 * PORT_BLOCK, 50):
        ports = SuitePorts(gateway=base + PORT_BLOCK, service_base=base)
        if all(port_free(port) for port in ports.all()):
            return ports
    raise BenchError(f"no free block of {PORT_BLOCK + 1} loopback ports from {start}")


@dataclass
class Started:
    """A process the harness started, in a session of its own so that it stops as a group."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    command: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if not self.alive():
            return
        say(f"stopping {self.name} (pid {self.pid})")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop in {STOP_TIMEOUT_SECONDS:.0f} s: killing its group")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start(
    name: str,
    argv: Sequence[str],
    *,
    log: Path,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
) -> Started:
    """Start a process with its output in `log`; `env` is added to this process's environment."""
    log.parent.mkdir(parents=True, exist_ok=True)
    added = dict(env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own argv)
            list(argv),
            cwd=cwd,
            env={**os.environ, **added},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    shown = " ".join(f"{key}={shlex.quote(value)}" for key, value in added.items())
    command = f"{shown} {shlex.join(argv)}".strip()
    return Started(name=name, process=process, log=log, command=command)


def wait_until(
    check: Callable[[], bool], *, what: str, timeout: float, process: Started | None = None
) -> None:
    """Poll `check` (HTTP and socket errors count as not yet) until true or `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise BenchError(
                f"{process.name} exited while waiting for {what}:\n{process.log_tail()}"
            )
        with contextlib.suppress(httpx.HTTPError, OSError):
            if check():
                return
        time.sleep(0.5)
    tail = f":\n{process.log_tail()}" if process is not None else ""
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


@dataclass(frozen=True, kw_only=True)
class Suite:
    """A suite that answers: its gateway, and the processes behind its ports."""

    gateway: str
    ports: SuitePorts | None
    """None: a running suite whose service ports were not given."""
    started: Started | None = None
    """The launcher, when the harness started the suite."""
    apps: dict[str, list[int]] = field(default_factory=dict)
    """App name (`inventory`) -> the ports its uvicorn processes listen on."""
    pids: dict[int, set[int]] = field(default_factory=dict)
    """pid -> the suite ports it listens on."""

    @property
    def command(self) -> str:
        return self.started.command if self.started is not None else f"(running at {self.gateway})"

    def direct(self, app: str) -> str:
        """The URL of the first process serving `app`, without the gateway."""
        ports = self.apps.get(app)
        if not ports:
            raise BenchError(
                f"no process of the suite serves {app} (found: {', '.join(self.apps) or 'none'}; "
                "with --gateway, give --port-base)"
            )
        return f"http://127.0.0.1:{ports[0]}"


def _health(url: str) -> bool:
    return httpx.get(f"{url}/health", timeout=5).status_code == 200


def _uvicorn_ports(root: int) -> list[int]:
    """The `--port` of every uvicorn process under `root`."""
    table = process_table()
    under = ancestry_roots(table, [root])
    ports = []
    for pid in under:
        match = _UVICORN_PORT.search(table[pid].cmdline)
        if match is not None:
            ports.append(int(match.group(1)))
    return sorted(set(ports))


def inspect(gateway: str, ports: SuitePorts | None, started: Started | None = None) -> Suite:
    """Which processes serve the suite (listen on its ports; on the gateway's alone when the
    others are not known), and which app each is (by its command line)."""
    listened = ports.all() if ports is not None else [urlsplit(gateway).port or 80]
    pids = listening_pids(listened)
    table = process_table()
    apps: dict[str, list[int]] = {}
    for pid, on in pids.items():
        process = table.get(pid)
        app = _APP.search(process.cmdline) if process is not None else None
        if app is not None:
            apps.setdefault(app.group(1), []).extend(on)
    return Suite(
        gateway=gateway,
        ports=ports,
        started=started,
        apps={name: sorted(found) for name, found in sorted(apps.items())},
        pids=pids,
    )


def start_suite(
    *,
    ports: SuitePorts,
    database: str,
    redis_url: str,
    state_dir: Path,
    settings: dict[str, dict[str, str]],
    log: Path,
) -> Started:
    """`sbctl up` (the harness's launcher, for `settings`) on `ports`, not waited for."""
    env = {
        "GATEWAY_PORT": str(ports.gateway),
        "SERVICE_PORT_BASE": str(ports.service_base),
        "SWITCHBOARD_DATABASE": database,
        "SWITCHBOARD_REDIS_URL": redis_url,
        "SWITCHBOARD_STATE_DIR": shown_path(state_dir),
    }
    argv = [shown_path(Path(sys.executable)), "-m", "harness.launch", *set_arguments(settings)]
    say(
        f"sbctl up: gateway 127.0.0.1:{ports.gateway}, services from {ports.service_base}, "
        f"database {database}, {redis_url}, log {shown_path(log)}"
    )
    return start("sbctl up", argv, log=log, env=env)


def wait_ready(started: Started, ports: SuitePorts) -> Suite:
    """Wait until the gateway and every uvicorn process of the suite answer `/health`."""
    gateway = f"http://127.0.0.1:{ports.gateway}"
    wait_until(
        lambda: _health(gateway),
        what="the gateway's /health",
        timeout=READY_TIMEOUT_SECONDS,
        process=started,
    )
    # The gateway's /health asks the first replica of each service; wait for every one.
    for port in _uvicorn_ports(started.pid):
        wait_until(
            functools.partial(_health, f"http://127.0.0.1:{port}"),
            what=f"/health on port {port}",
            timeout=READY_TIMEOUT_SECONDS,
            process=started,
        )
    return inspect(gateway, ports, started)
