"""`sbctl infra -- CMD`: run a command (the test suite) with Postgres, Redis and NATS up."""

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from types import FrameType

from devstack.config import StackConfig, with_redis_db
from devstack.errors import DevstackError
from devstack.infra import ensure_infra
from devstack.prepare import provision_databases
from devstack.services import SERVICES

__all__ = ["TEST_DATABASE", "run_with_infra", "suite_env"]

TEST_DATABASE = "switchboard_test"
# Redis logical database of the kit's test fixtures, apart from a local run's (0) and e2e's (2).
_TEST_REDIS_DB = 1


def suite_env(config: StackConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """Where the kit's pytest plugin finds the servers; values the caller set win."""
    defaults = {
        "SWITCHBOARD_PG_ADMIN_URL": config.pg_admin_url,
        "SWITCHBOARD_REDIS_URL": config.redis_url,
        "SWITCHBOARD_NATS_URL": config.nats_url,
        "SWITCHBOARD_TEST_DATABASE": TEST_DATABASE,
        "SWITCHBOARD_TEST_REDIS_URL": with_redis_db(config.redis_url, _TEST_REDIS_DB),
    }
    return {**defaults, **{k: v for k, v in environ.items() if k in defaults and v}}


def run_with_infra(config: StackConfig, command: Sequence[str]) -> int:
    """Run `command` to completion and return its exit status."""
    if not command:
        raise DevstackError("usage: sbctl infra -- COMMAND [ARG...]")
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with ensure_infra(config):
        env = {**os.environ, **suite_env(config, os.environ)}
        provision_databases(config, database=env["SWITCHBOARD_TEST_DATABASE"], services=SERVICES)
        try:
            child = subprocess.Popen(list(command), env=env)  # noqa: S603
        except FileNotFoundError as exc:
            raise DevstackError(f"{command[0]}: command not found") from exc

        def forward(signum: int, frame: FrameType | None) -> None:
            child.send_signal(signum)

        # Like a shell: Ctrl-C reaches the child from the terminal already; SIGTERM or SIGHUP
        # sent to us alone is passed on. Either way we wait for it, then stop the infra.
        previous = {
            signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
            signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
            signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
        }
        try:
            code = child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return code
