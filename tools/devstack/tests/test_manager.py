"""Running real processes under honcho: stopped on request, a crash stops all, exit statuses."""

import io
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from devstack.manager import supervise
from devstack.processes import ProcessSpec
from devstack.signals import STOP_SIGNALS

NO_HEALTH = "http://127.0.0.1:1/"


def _python(name: str, code: str) -> ProcessSpec:
    return ProcessSpec(name=name, argv=(sys.executable, "-c", code), env={}, port=1)


# A process that waits to be stopped, and honcho's news that SIGTERM ended it.
IDLE = _python("idle", "import time; time.sleep(60)")
IDLE_STOPPED = ("sbctl", "idle stopped (rc=-15)")


def _run(
    *processes: ProcessSpec,
    health_url: str = NO_HEALTH,
    ready_timeout: float = 30,
    on_ready: Callable[[], None] = lambda: None,
) -> tuple[int, list[tuple[str, str]]]:
    """The exit status, and each relayed line as (who, what) from `HH:MM:SS who | what`."""
    output = io.StringIO()
    code = supervise(
        processes,
        health_url=health_url,
        ready_timeout=ready_timeout,
        on_ready=on_ready,
        output=output,
    )
    lines = []
    for line in output.getvalue().splitlines():
        name, text = line.split(" ", 1)[1].split("| ", 1)
        lines.append((name.strip(), text))
    return code, lines


def _static_server(directory: Path) -> tuple[ProcessSpec, str]:
    """http.server on a free port, and the URL of its `health` file."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    argv: tuple[str, ...] = (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1")
    argv += ("--directory", str(directory))
    return ProcessSpec(name="web", argv=argv, env={}, port=port), f"http://127.0.0.1:{port}/health"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_requested_stop_after_a_healthy_start_stops_every_process_and_exits_0(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    (tmp_path / "health").write_text("ok")
    web, health_url = _static_server(tmp_path)
    readied: list[bool] = []

    def stop_once_ready() -> None:
        readied.append(True)
        os.kill(os.getpid(), stop_signal)

    code, lines = _run(web, IDLE, health_url=health_url, on_ready=stop_once_ready)
    assert code == 0
    assert readied == [True]
    received = "SIGINT" if stop_signal == signal.SIGINT else "SIGTERM"  # SIGHUP is a SIGTERM
    assert ("sbctl", f"{received} received") in lines
    assert any(who == "web" and "GET /health" in what for who, what in lines)  # http.server's
    assert IDLE_STOPPED in lines


def test_a_requested_stop_before_the_suite_answers_stops_all_and_reports_the_signal() -> None:
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    code, lines = _run(IDLE)
    timer.join()
    assert code == 128 + signal.SIGTERM
    assert IDLE_STOPPED in lines


def test_a_process_that_dies_stops_the_others_and_the_run_fails_with_its_status() -> None:
    crash = _python("crash", "import sys, time; time.sleep(1); print('bad config'); sys.exit(3)")
    code, lines = _run(IDLE, crash)
    assert code == 3
    crashed = lines.index(("sbctl", "crash stopped (rc=3)"))
    assert lines.index(("crash", "bad config")) < crashed < lines.index(IDLE_STOPPED)


def test_a_process_that_ends_with_status_0_still_fails_the_run() -> None:
    code, _ = _run(_python("done", "pass"))
    assert code == 1


def test_a_process_killed_by_a_signal_fails_the_run_with_a_shells_status() -> None:
    victim = _python("victim", "import os, time; time.sleep(1); os.kill(os.getpid(), 9)")
    code, lines = _run(IDLE, victim)
    assert code == 128 + signal.SIGKILL
    assert IDLE_STOPPED in lines


def test_a_program_that_is_not_there_fails_the_run_with_127(tmp_path: Path) -> None:
    missing = ProcessSpec(name="missing", argv=(str(tmp_path / "nowhere"),), env={}, port=1)
    code, lines = _run(IDLE, missing)
    assert code == 127
    assert ("sbctl", "missing stopped (rc=127)") in lines
    assert IDLE_STOPPED in lines


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
    code, lines = _run(slow, crash)
    assert ("sbctl", "SIGINT received") in lines
    assert code == 3


def test_a_gateway_that_never_answers_fails_the_run_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, health_url = _static_server(tmp_path)  # no "health" file: every check is a 404
    code, _ = _run(web, health_url=health_url, ready_timeout=1)
    assert code == 1
    assert "/health did not answer 200 within 1 s (404" in capsys.readouterr().err


def test_the_callers_signal_handlers_are_restored() -> None:
    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    _run(_python("done", "pass"))
    assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == before
