"""The launcher's per-service settings on its command line."""

from __future__ import annotations

import pytest

from harness.launch import parse_settings, set_arguments


def test_settings_are_grouped_by_service() -> None:
    settings = parse_settings(
        ["reviews.CACHE_ENABLED=false", "reviews.REDIS_URL=redis://h:1/0", "inventory.X=a=b"]
    )

    assert settings == {
        "reviews": {"CACHE_ENABLED": "false", "REDIS_URL": "redis://h:1/0"},
        "inventory": {"X": "a=b"},
    }


@pytest.mark.parametrize("item", ["CACHE_ENABLED=false", "reviews.CACHE_ENABLED", ".X=1"])
def test_a_setting_without_service_name_or_value_is_refused(item: str) -> None:
    with pytest.raises(ValueError, match=r"service\.NAME=value"):
        parse_settings([item])


def test_settings_survive_the_command_line() -> None:
    settings = {"reviews": {"CACHE_ENABLED": "false"}, "inventory": {"PAGE_CACHE_SIZE": "0"}}

    assert parse_settings(a.removeprefix("--set=") for a in set_arguments(settings)) == settings
