"""The service table and the port layout."""

import pytest

from devstack.config import StackConfig
from devstack.services import (
    SERVICES,
    ServiceSpec,
    check_port_layout,
    find_service,
    replica_names,
    replica_ports,
)
from devstack.up import run_up

CHAT = ServiceSpec(
    name="chat", app="chat.main:create_app", port_offset=4, env_prefix="CHAT", replicas=2
)


def test_auth_sits_right_above_the_portal() -> None:
    assert replica_ports(find_service("auth"), base=8100) == [8101]


def test_inventory_sits_at_its_reserved_offset_and_seeds() -> None:
    inventory = find_service("inventory")
    assert replica_ports(inventory, base=8100) == [8102]
    assert inventory.seeds
    assert inventory.verifies_tokens
    assert not inventory.signs_tokens


def test_reviews_runs_two_replicas_around_the_reserved_block() -> None:
    reviews = find_service("reviews")
    assert replica_ports(reviews, base=8100) == [8103, 8107]
    assert replica_names(reviews) == ["reviews.1", "reviews.2"]
    assert reviews.verifies_tokens
    assert not reviews.signs_tokens
    assert not reviews.seeds


def test_chat_runs_two_nodes_on_its_reserved_block() -> None:
    chat = find_service("chat")
    assert replica_ports(chat, base=8100) == [8104, 8105]
    assert replica_names(chat) == ["chat.1", "chat.2"]
    assert chat.verifies_tokens
    assert chat.calls_auth
    assert not chat.signs_tokens
    assert not chat.seeds


def test_the_table_leaves_the_recipes_port_free() -> None:
    recipes = ServiceSpec(
        name="recipes", app="recipes.main:create_app", port_offset=6, env_prefix="RECIPES"
    )
    check_port_layout([*SERVICES, recipes])


def test_more_port_offsets_must_name_one_port_per_extra_replica() -> None:
    odd = ServiceSpec(
        name="x",
        app="x:create_app",
        port_offset=9,
        env_prefix="X",
        replicas=3,
        more_port_offsets=(12,),
    )
    with pytest.raises(ValueError, match="x: more_port_offsets names 1 ports for 2 more"):
        replica_ports(odd, base=8100)


def test_an_extra_replica_port_is_checked_for_clashes_too() -> None:
    clash = ServiceSpec(
        name="x",
        app="x:create_app",
        port_offset=9,
        env_prefix="X",
        replicas=2,
        more_port_offsets=(1,),
    )
    with pytest.raises(ValueError, match="x: port offset 1 is already used by auth"):
        check_port_layout([*SERVICES, clash])


def test_replicas_take_consecutive_ports_and_numbered_names() -> None:
    assert replica_ports(CHAT, base=8100) == [8104, 8105]
    assert replica_names(CHAT) == ["chat.1", "chat.2"]


def test_a_single_replica_is_named_after_its_service() -> None:
    assert replica_names(find_service("auth")) == ["auth"]


def test_the_registered_table_has_no_port_clash() -> None:
    check_port_layout(SERVICES)


def test_a_replica_running_into_the_next_service_is_refused() -> None:
    recipes = ServiceSpec(
        name="recipes", app="recipes.main:create_app", port_offset=5, env_prefix="RECIPES"
    )
    with pytest.raises(ValueError, match="recipes: port offset 5 is already used by chat"):
        check_port_layout([*SERVICES, recipes])


def test_nothing_may_take_the_portals_port() -> None:
    clash = ServiceSpec(name="x", app="x:create_app", port_offset=0, env_prefix="X")
    with pytest.raises(ValueError, match="portal"):
        check_port_layout([clash])


def test_an_unknown_service_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        find_service("nope")


def test_run_up_checks_the_table_it_is_given(config: StackConfig) -> None:
    """A benchmark may hand `run_up` a changed copy of the table; it is checked the same."""
    clash = ServiceSpec(name="x", app="x:create_app", port_offset=0, env_prefix="X")
    with pytest.raises(ValueError, match="portal"):
        run_up(config, services=[clash])
