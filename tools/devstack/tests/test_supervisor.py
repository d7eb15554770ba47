"""Supervising real processes with honcho: ready, crashed, never ready."""

import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from devstack.processes import ProcessSpec
from devstack.supervisor import supervise


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _static_server(directory: Path, port: int) -> ProcessSpec:
    argv = (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1")
    return ProcessSpec(name="web", argv=(*argv, "--directory", str(directory)), env={}, port=port)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_requested_stop_after_a_healthy_start_exits_0(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    (tmp_path / "health").write_text("ok")
    port = _free_port()
    readied: list[bool] = []

    def stop_once_ready() -> None:
        readied.append(True)
        os.kill(os.getpid(), stop_signal)

    code = supervise(
        [_static_server(tmp_path, port)],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout=20,
        on_ready=stop_once_ready,
    )
    assert code == 0
    assert readied == [True]


def test_a_process_that_dies_stops_the_run_with_its_status(tmp_path: Path) -> None:
    (tmp_path / "health").write_text("ok")
    crash = ProcessSpec(
        name="crash", argv=(sys.executable, "-c", "raise SystemExit(3)"), env={}, port=1
    )
    code = supervise(
        [_static_server(tmp_path, _free_port()), crash],
        health_url="http://127.0.0.1:1/health",
        ready_timeout=20,
        on_ready=lambda: None,
    )
    assert code == 3


def test_a_gateway_that_never_gets_healthy_fails_the_run(tmp_path: Path) -> None:
    port = _free_port()  # no "health" file: every check is a 404
    code = supervise(
        [_static_server(tmp_path, port)],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout=1,
        on_ready=lambda: None,
    )
    assert code == 1


def test_the_callers_signal_handlers_are_restored(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    crash = ProcessSpec(name="crash", argv=(sys.executable, "-c", "pass"), env={}, port=1)
    supervise([crash], health_url="http://127.0.0.1:1/", ready_timeout=5, on_ready=lambda: None)
    assert signal.getsignal(signal.SIGTERM) is before
