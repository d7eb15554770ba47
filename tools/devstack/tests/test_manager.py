"""Running real processes under honcho: stopped on request, a crash stops all, exit statuses."""

import io
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import pytest

from devstack.manager import supervise
from devstack.processes import ProcessSpec

NO_HEALTH = "http://127.0.0.1:1/"


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


# A process that waits to be stopped, and honcho's news that SIGTERM ended it.
IDLE = ProcessSpec(
    name="idle", argv=(sys.executable, "-c", "import time; time.sleep(60)"), env={}, port=1
)
IDLE_STOPPED = ("sbctl", "idle stopped (rc=-15)")


def _lines(output: io.StringIO) -> list[tuple[str, str]]:
    """Each relayed line as (who, what): `HH:MM:SS name | text`, the name padded."""
    lines = []
    for line in output.getvalue().splitlines():
        name, text = line.split(" ", 1)[1].split("| ", 1)
        lines.append((name.strip(), text))
    return lines


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_requested_stop_after_a_healthy_start_stops_every_process_and_exits_0(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    (tmp_path / "health").write_text("ok")
    port = _free_port()
    readied: list[bool] = []

    def stop_once_ready() -> None:
        readied.append(True)
        os.kill(os.getpid(), stop_signal)

    output = io.StringIO()
    code = supervise(
        [_static_server(tmp_path, port), IDLE],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout=30,
        on_ready=stop_once_ready,
        output=output,
    )
    assert code == 0
    assert readied == [True]
    lines = _lines(output)
    received = "SIGINT" if stop_signal == signal.SIGINT else "SIGTERM"  # SIGHUP is a SIGTERM
    assert ("sbctl", f"{received} received") in lines
    assert any(who == "web" and "GET /health" in what for who, what in lines)  # http.server's
    assert IDLE_STOPPED in lines


def test_a_requested_stop_before_the_suite_answers_stops_all_and_reports_the_signal() -> None:
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    output = io.StringIO()
    code = supervise(
        [IDLE], health_url=NO_HEALTH, ready_timeout=30, on_ready=lambda: None, output=output
    )
    timer.join()
    assert code == 128 + signal.SIGTERM
    assert IDLE_STOPPED in _lines(output)


def test_a_process_that_dies_stops_the_others_and_the_run_fails_with_its_status() -> None:
    crash = _python("crash", "import sys, time; time.sleep(1); print('bad config'); sys.exit(3)")
    output = io.StringIO()
    code = supervise(
        [IDLE, crash],
        health_url=NO_HEALTH,
        ready_timeout=30,
        on_ready=lambda: None,
        output=output,
    )
    assert code == 3
    lines = _lines(output)
    crashed = lines.index(("sbctl", "crash stopped (rc=3)"))
    assert lines.index(("crash", "bad config")) < crashed
    assert crashed < lines.index(IDLE_STOPPED)


def test_a_process_that_ends_with_status_0_still_fails_the_run() -> None:
    code = supervise(
        [_python("done", "pass")],
        health_url=NO_HEALTH,
        ready_timeout=30,
        on_ready=lambda: None,
        output=io.StringIO(),
    )
    assert code == 1


def test_a_process_killed_by_a_signal_fails_the_run_with_a_shells_status() -> None:
    victim = _python("victim", "import os, time; time.sleep(1); os.kill(os.getpid(), 9)")
    code = supervise(
        [IDLE, victim],
        health_url=NO_HEALTH,
        ready_timeout=30,
        on_ready=lambda: None,
        output=io.StringIO(),
    )
    assert code == 128 + signal.SIGKILL


def test_a_program_that_is_not_there_fails_the_run_with_127(tmp_path: Path) -> None:
    missing = ProcessSpec(name="missing", argv=(str(tmp_path / "nowhere"),), env={}, port=1)
    output = io.StringIO()
    code = supervise(
        [IDLE, missing],
        health_url=NO_HEALTH,
        ready_timeout=30,
        on_ready=lambda: None,
        output=output,
    )
    assert code == 127
    assert ("sbctl", "missing stopped (rc=127)") in _lines(output)
    assert IDLE_STOPPED in _lines(output)


def test_a_stop_signal_while_the_others_stop_after_a_crash_keeps_the_crashs_status() -> None:
    # Told to stop after the crash, it presses Ctrl-C on the runner, then takes its time.
    slow = _python(
        "slow",
        "import os, signal, time\n"
        "def stop(signum, frame):\n"
        f"    os.kill({os.getpid()}, signal.SIGINT); time.sleep(1); raise SystemExit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "time.sleep(60)\n",
    )
    crash = _python("crash", "import time; time.sleep(1.5); raise SystemExit(3)")
    output = io.StringIO()
    code = supervise(
        [slow, crash], health_url=NO_HEALTH, ready_timeout=30, on_ready=lambda: None, output=output
    )
    assert ("sbctl", "SIGINT received") in _lines(output)
    assert code == 3


def test_a_gateway_that_never_answers_fails_the_run_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()  # no "health" file: every check is a 404
    code = supervise(
        [_static_server(tmp_path, port)],
        health_url=f"http://127.0.0.1:{port}/health",
        ready_timeout=1,
        on_ready=lambda: None,
        output=io.StringIO(),
    )
    assert code == 1
    assert "/health did not answer 200 within 1 s (404" in capsys.readouterr().err


def test_the_callers_signal_handlers_are_restored() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    supervise(
        [_python("done", "pass")],
        health_url=NO_HEALTH,
        ready_timeout=5,
        on_ready=lambda: None,
        output=io.StringIO(),
    )
    assert {sig: signal.getsignal(sig) for sig in before} == before
