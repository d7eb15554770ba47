"""What runs before a service starts."""

from devstack.config import StackConfig
from devstack.prepare import setup_commands
from devstack.services import ServiceSpec, find_service


def test_auth_gets_a_signing_key_before_its_migrations(config: StackConfig) -> None:
    assert setup_commands(config, find_service("auth")) == [
        ["keygen", str(config.state_dir / "keys" / "auth-ed25519.pem")],
        ["migrate"],
    ]


def test_a_seeding_service_seeds_an_empty_table_after_migrating(config: StackConfig) -> None:
    inventory = ServiceSpec(
        name="inventory",
        app="inventory.main:create_app",
        port_offset=2,
        env_prefix="INVENTORY",
        seeds=True,
    )
    assert setup_commands(config, inventory) == [["migrate"], ["seed", "--if-empty"]]
