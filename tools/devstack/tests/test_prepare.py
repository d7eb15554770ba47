"""What runs before a service starts."""

from devstack.config import StackConfig
from devstack.prepare import setup_commands
from devstack.services import ServiceSpec, find_service


def test_auth_gets_a_signing_key_before_its_migrations(config: StackConfig) -> None:
    assert setup_commands(config, find_service("auth")) == [
        ["keygen", str(config.state_dir / "keys" / "auth-ed25519.pem")],
        ["migrate"],
    ]


def test_inventory_seeds_an_empty_table_after_migrating(config: StackConfig) -> None:
    assert setup_commands(config, find_service("inventory")) == [
        ["migrate"],
        ["seed", "--if-empty"],
    ]


def test_a_service_that_does_not_seed_only_migrates(config: StackConfig) -> None:
    plain = ServiceSpec(name="x", app="x.main:create_app", port_offset=9, env_prefix="X")
    assert setup_commands(config, plain) == [["migrate"]]


def test_reviews_only_migrates(config: StackConfig) -> None:
    assert setup_commands(config, find_service("reviews")) == [["migrate"]]


def test_chat_only_migrates(config: StackConfig) -> None:
    assert setup_commands(config, find_service("chat")) == [["migrate"]]
