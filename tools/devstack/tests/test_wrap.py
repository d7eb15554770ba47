"""`sbctl infra -- CMD`: the command runs beside the servers with the test suite's settings."""

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.cli import main
from devstack.config import StackConfig
from devstack.signals import STOP_SIGNALS
from devstack.wrap import TEST_DATABASE, suite_env

from .conftest import REPO_ROOT

# The database this run's tests may use (each checkout sets its own).
TEST_DATABASE_HERE = os.environ.get("SWITCHBOARD_TEST_DATABASE") or TEST_DATABASE


def test_the_suite_learns_where_the_servers_and_its_database_are(config: StackConfig) -> None:
    assert suite_env(config, {}) == {
        "SWITCHBOARD_PG_ADMIN_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
        "SWITCHBOARD_REDIS_URL": "redis://127.0.0.1:6379/0",
        "SWITCHBOARD_NATS_URL": "nats://127.0.0.1:4222",
        "SWITCHBOARD_TEST_DATABASE": "switchboard_test",
        "SWITCHBOARD_TEST_REDIS_URL": "redis://127.0.0.1:6379/1",
    }


def test_values_the_caller_set_win(config: StackConfig) -> None:
    env = suite_env(config, {"SWITCHBOARD_TEST_REDIS_URL": "redis://127.0.0.1:6379/9"})
    assert env["SWITCHBOARD_TEST_REDIS_URL"] == "redis://127.0.0.1:6379/9"


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """`sbctl`'s main installs its SIGTERM/SIGHUP handlers; the test process gets its own back."""
    saved = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.usefixtures("signal_handlers")
def test_sbctl_infra_runs_the_command_beside_the_servers_and_exits_with_its_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # The servers answer (`make test` runs under `sbctl infra`): they are reused, not started.
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setenv("SWITCHBOARD_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SWITCHBOARD_TEST_DATABASE", TEST_DATABASE_HERE)
    report = "import os, sys; print('db=' + os.environ['SWITCHBOARD_TEST_DATABASE']); sys.exit(3)"
    code = main(["infra", "--", sys.executable, "-c", report])
    assert code == 3
    assert f"db={TEST_DATABASE_HERE}\n" in capfd.readouterr().out


@pytest.mark.usefixtures("signal_handlers")
def test_sbctl_infra_without_a_command_says_how_to_use_it(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["infra"]) == 1
    assert "usage: sbctl infra -- COMMAND" in capfd.readouterr().err
