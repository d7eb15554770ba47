"""A throwaway Redis server (no persistence) for machines that have none running."""

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.commands import find_program, run_checked
from devstack.console import warn
from devstack.errors import DevstackError

__all__ = ["RedisServer", "start", "stop"]

_STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, kw_only=True)
class RedisServer:
    """Where a server of ours keeps its pid and log."""

    server: str
    port: int
    base_dir: Path

    @property
    def pid_file(self) -> Path:
        """Written by redis-server itself."""
        return self.base_dir / "redis.pid"

    @property
    def log_file(self) -> Path:
        """The server's log."""
        return self.base_dir / "redis.log"


def start(server: RedisServer) -> None:
    """Start it as a daemon; the caller waits for it to answer."""
    server.base_dir.mkdir(parents=True, exist_ok=True)
    run_checked(
        [
            server.server,
            "--port",
            str(server.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(server.base_dir),
            "--daemonize",
            "yes",
            "--pidfile",
            str(server.pid_file),
            "--logfile",
            str(server.log_file),
        ],
        what="starting redis",
        log_file=server.log_file,
    )


def stop(server: RedisServer) -> None:
    """SHUTDOWN NOSAVE, or SIGTERM to the pid when redis-cli is missing or fails."""
    if not server.pid_file.exists():
        return  # it never got as far as daemonizing
    cli = find_program("redis-cli")
    if cli is not None:
        try:
            run_checked(
                [cli, "-h", "127.0.0.1", "-p", str(server.port), "shutdown", "nosave"],
                what="stopping redis",
                timeout=_STOP_TIMEOUT_SECONDS,
            )
        except DevstackError as exc:
            warn(f"redis-cli shutdown failed ({exc}); sending SIGTERM")
        else:
            return
    _terminate_pid_file(server.pid_file)


def _terminate_pid_file(pid_file: Path) -> None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return
    deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
