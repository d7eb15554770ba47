"""PORTAL_SERVICES parsing."""

import pytest

from portal.config import PortalSettings, parse_services


def test_services_are_parsed_in_order_without_trailing_slashes() -> None:
    spec = "reviews=http://127.0.0.1:8103/, auth=http://127.0.0.1:8101"
    assert list(parse_services(spec).items()) == [
        ("reviews", "http://127.0.0.1:8103"),
        ("auth", "http://127.0.0.1:8101"),
    ]


def test_an_unset_variable_means_no_services() -> None:
    assert PortalSettings.from_env({}).services == {}


@pytest.mark.parametrize(
    "spec",
    ["auth", "auth=", "Auth=http://x", "auth=ftp://x", "auth=http://a,auth=http://b"],
)
def test_malformed_entries_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="PORTAL_SERVICES"):
        parse_services(spec)
