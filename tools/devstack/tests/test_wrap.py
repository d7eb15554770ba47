"""The environment `sbctl infra` hands to the test suite."""

from devstack.config import StackConfig
from devstack.wrap import suite_env


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
