"""ensure_infra against real servers: reuse what answers, start and stop what does not."""

import shutil
import socket
from pathlib import Path

from devstack.config import StackConfig
from devstack.infra import ensure_infra
from devstack.infra.probes import check_nats, check_postgres, check_redis

from .conftest import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_servers_that_answer_are_reused_and_left_running(config: StackConfig) -> None:
    # `make test` runs under `sbctl infra`, so the default URLs (or the exported ones) answer.
    env_config = StackConfig.from_env(cwd=REPO_ROOT)
    with ensure_infra(env_config) as statuses:
        assert [(s.name, s.started) for s in statuses] == [
            ("postgres", False),
            ("redis", False),
            ("nats", False),
        ]
    check_postgres(env_config.pg_admin_url)
    check_redis(env_config.redis_url)
    check_nats(env_config.nats)


def test_missing_servers_are_started_and_then_stopped(tmp_path: Path) -> None:
    pg, rd, nt = _free_port(), _free_port(), _free_port()
    config = StackConfig.from_env(
        {
            "SWITCHBOARD_STATE_DIR": str(tmp_path / "state"),
            "SWITCHBOARD_PG_ADMIN_URL": f"postgresql://postgres@127.0.0.1:{pg}/postgres",
            "SWITCHBOARD_REDIS_URL": f"redis://127.0.0.1:{rd}/0",
            "SWITCHBOARD_NATS_URL": f"nats://127.0.0.1:{nt}",
        },
        cwd=REPO_ROOT,
    )
    pg_dir: Path | None = None
    try:
        with ensure_infra(config) as statuses:
            assert [(s.name, s.started) for s in statuses] == [
                ("postgres", True),
                ("redis", True),
                ("nats", True),
            ]
            pg_dir = statuses[0].log_file.parent if statuses[0].log_file else None
            check_postgres(config.pg_admin_url)
            check_redis(config.redis_url)
            check_nats(config.nats)
        assert not any(_listening(port) for port in (pg, rd, nt))
    finally:
        # As root the cluster may live under /var/tmp (pytest's tmp is closed to postgres).
        if pg_dir is not None and not pg_dir.is_relative_to(tmp_path):
            shutil.rmtree(pg_dir, ignore_errors=True)
