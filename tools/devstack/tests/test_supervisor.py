"""Supervising real processes: ready, crashed, never ready, stopped; their output relayed."""

import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import supervisor
from devstack.processes import ProcessSpec
from devstack.supervisor import supervise


@pytest.fixture
def output(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A file for the relayed output: its descriptor, and its path to read it back."""
    path = tmp_path / "relayed.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        yield fd, path
    finally:
        os.close(fd)


def _python(name: str, code: str) -> ProcessSpec:
    return ProcessSpec(name=name, argv=(sys.executable, "-c", code), env={}, port=1)


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
    tmp_path: Path, stop_signal: signal.Signals, output: tuple[int, Path]
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
        output=output[0],
    )
    assert code == 0
    assert readied == [True]
    relayed = output[1].read_text()
    assert f"sbctl | {stop_signal.name} received\n" in relayed
    assert re.search(r"web   \| .*GET /health", relayed)  # http.server's own log line
    assert "sbctl | web stopped (rc=-15)\n" in relayed


def test_a_requested_stop_before_the_start_completed_reports_the_signal() -> None:
    crash = _python("idle", "import time; time.sleep(60)")
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    code = supervise(
        [crash], health_url="http://127.0.0.1:1/", ready_timeout=30, on_ready=lambda: None
    )
    timer.join()
    assert code == 128 + signal.SIGTERM


def test_every_line_reaches_the_output_prefixed_before_the_news_that_its_writer_stopped(
    output: tuple[int, Path],
) -> None:
    talker = _python(
        "talker", "import sys; print('one'); print('two', file=sys.stderr); print('three', end='')"
    )
    code = supervise(
        [talker],
        health_url="http://127.0.0.1:1/",
        ready_timeout=30,
        on_ready=lambda: None,
        output=output[0],
    )
    assert code == 1  # a long-lived process ended on its own
    lines = [line.split(" ", 1)[1] for line in output[1].read_text().splitlines()]
    assert lines[0].startswith("sbctl  | talker started (pid=")
    assert lines[1:] == [
        "talker | one",
        "talker | two",
        "talker | three",
        "sbctl  | talker stopped (rc=0)",
    ]


def test_a_flood_of_lines_is_relayed_whole_and_in_order(output: tuple[int, Path]) -> None:
    count = 50_000
    flood = _python(
        "flood",
        f"import os\nfor i in range({count}): os.write(1, b'%d ' % i + b'x' * 200 + b'\\n')",
    )
    code = supervise(
        [flood],
        health_url="http://127.0.0.1:1/",
        ready_timeout=30,
        on_ready=lambda: None,
        output=output[0],
    )
    assert code == 1
    numbers = [
        int(line.split(" | ", 1)[1].split(" ", 1)[0])
        for line in output[1].read_text().splitlines()
        if " flood | " in line
    ]
    assert numbers == list(range(count))


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period(
    monkeypatch: pytest.MonkeyPatch, output: tuple[int, Path]
) -> None:
    monkeypatch.setattr(supervisor, "KILL_AFTER_SECONDS", 0.5)
    stubborn = _python(
        "stubborn",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring', flush=True); time.sleep(60)",
    )
    # Late enough for the other to ignore SIGTERM by then.
    crash = _python("crash", "import time; time.sleep(2); raise SystemExit(3)")
    started = time.monotonic()
    code = supervise(
        [stubborn, crash],
        health_url="http://127.0.0.1:1/",
        ready_timeout=30,
        on_ready=lambda: None,
        output=output[0],
    )
    assert code == 3
    assert time.monotonic() - started < 10
    relayed = output[1].read_text()
    assert "stubborn | ignoring" in relayed
    assert "sbctl    | sending SIGKILL to stubborn" in relayed
    assert "sbctl    | stubborn stopped (rc=-9)" in relayed


def test_a_process_killed_by_a_signal_fails_the_run_with_a_shells_status(
    tmp_path: Path,
) -> None:
    (tmp_path / "health").write_text("ok")
    port = _free_port()
    victim = _python("victim", "import os, time; time.sleep(1.5); os.kill(os.getpid(), 15)")
    code = supervise(
        [_static_server(tmp_path, port), victim],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout=20,
        on_ready=lambda: None,
    )
    assert code == 128 + signal.SIGTERM


def test_a_program_that_cannot_start_stops_the_others(
    tmp_path: Path, output: tuple[int, Path]
) -> None:
    missing = ProcessSpec(name="missing", argv=(str(tmp_path / "nowhere"),), env={}, port=1)
    code = supervise(
        [_static_server(tmp_path, _free_port()), missing],
        health_url="http://127.0.0.1:1/",
        ready_timeout=30,
        on_ready=lambda: None,
        output=output[0],
    )
    assert code == 127
    relayed = output[1].read_text()
    assert "missing could not start" in relayed
    assert "web stopped (rc=-15)" in relayed


def test_output_still_held_by_a_process_outside_the_group_is_given_up(
    monkeypatch: pytest.MonkeyPatch, output: tuple[int, Path]
) -> None:
    monkeypatch.setattr(supervisor, "KILL_AFTER_SECONDS", 0.2)
    leaver = _python(
        "leaver",
        "import subprocess, sys\n"
        "daemon = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'],"
        " start_new_session=True)\n"
        "print('daemon', daemon.pid, flush=True)",
    )
    started = time.monotonic()
    code = supervise(
        [leaver],
        health_url="http://127.0.0.1:1/",
        ready_timeout=30,
        on_ready=lambda: None,
        output=output[0],
    )
    relayed = output[1].read_text()
    daemon = re.search(r"leaver \| daemon (\d+)", relayed)
    assert daemon is not None
    os.kill(int(daemon.group(1)), signal.SIGKILL)
    assert code == 1
    assert time.monotonic() - started < 10
    assert "leaver stopped (rc=0)" in relayed
    assert "leaver: output still open after SIGKILL; no longer relayed" in relayed


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
