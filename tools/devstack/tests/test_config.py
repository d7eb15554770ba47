"""Reading the runner's settings from the environment."""

from pathlib import Path

import pytest

from devstack.config import StackConfig, endpoint_of, find_repo_root, with_redis_db

from .conftest import REPO_ROOT


def test_defaults_match_the_documented_local_setup(config: StackConfig) -> None:
    assert config.root == REPO_ROOT
    assert config.state_dir == REPO_ROOT / ".run"
    assert config.gateway_url == "http://127.0.0.1:8080"
    assert config.service_port_base == 8100
    assert config.database == "switchboard"
    assert config.pg_admin_url == "postgresql://postgres@127.0.0.1:5432/postgres"
    assert config.redis_url == "redis://127.0.0.1:6379/0"
    assert config.nats_url == "nats://127.0.0.1:4222"


def test_the_e2e_environment_overrides_every_default() -> None:
    config = StackConfig.from_env(
        {
            "GATEWAY_PORT": "18080",
            "SERVICE_PORT_BASE": "18100",
            "SWITCHBOARD_DATABASE": "switchboard_e2e",
            "SWITCHBOARD_REDIS_URL": "redis://127.0.0.1:6379/2",
            "SWITCHBOARD_STATE_DIR": ".run/e2e",
            "SWITCHBOARD_PG_ADMIN_URL": "postgresql://admin@localhost:55432/postgres",
            "SWITCHBOARD_NATS_URL": "nats://127.0.0.1:54222",
        },
        cwd=REPO_ROOT / "tools" / "devstack",
    )
    assert config.root == REPO_ROOT
    assert config.state_dir == REPO_ROOT / ".run" / "e2e"
    assert config.gateway_port == 18080
    assert config.service_port_base == 18100
    assert config.database == "switchboard_e2e"
    assert config.postgres.port == 55432
    assert config.postgres.is_local
    assert config.nats.port == 54222


def test_an_absolute_state_dir_is_kept(tmp_path: Path) -> None:
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    assert config.state_dir == tmp_path


@pytest.mark.parametrize("value", ["http", "0", "70000"])
def test_a_bad_port_is_refused_with_its_name(value: str) -> None:
    with pytest.raises(ValueError, match="GATEWAY_PORT"):
        StackConfig.from_env({"GATEWAY_PORT": value}, cwd=REPO_ROOT)


def test_a_url_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a postgresql"):
        StackConfig.from_env({"SWITCHBOARD_REDIS_URL": "http://127.0.0.1:6379"}, cwd=REPO_ROOT)


def test_endpoints_default_to_the_protocols_port() -> None:
    assert endpoint_of("postgresql://u@db.example/x").port == 5432
    assert endpoint_of("redis://cache.example").port == 6379
    assert endpoint_of("nats://127.0.0.1").port == 4222
    assert not endpoint_of("redis://cache.example").is_local


def test_redis_db_is_replaced_and_the_rest_kept() -> None:
    assert with_redis_db("redis://:pw@127.0.0.1:6380/0", 2) == "redis://:pw@127.0.0.1:6380/2"
    assert with_redis_db("redis://127.0.0.1:6379", 1) == "redis://127.0.0.1:6379/1"


def test_service_database_urls_use_the_admin_urls_server(config: StackConfig) -> None:
    assert (
        config.database_url(role="auth", password="auth", database="switchboard")
        == "postgresql+asyncpg://auth:auth@127.0.0.1:5432/switchboard"
    )


def test_outside_a_checkout_the_root_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no Switchboard checkout"):
        find_repo_root(tmp_path)
