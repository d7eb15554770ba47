"""The gateway configuration: the rendered static file, and rules every route must follow."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.config import StackConfig
from devstack.gateway import render_static_config, write_static_config

from .conftest import REPO_ROOT

GATEWAY = REPO_ROOT / "gateway"
IDENTITY_HEADERS = ["X-User-Id", "X-User-Name", "X-User-Roles"]
_TEMPLATE = re.compile(r'\{\{\s*env\s+"([A-Z0-9_]+)"\s*\}\}')


def _dynamic() -> dict[str, Any]:
    """Every dynamic file, with the env templates filled the way the runner fills them."""
    merged: dict[str, Any] = {"routers": {}, "middlewares": {}, "services": {}}
    for path in sorted((GATEWAY / "dynamic").glob("*.yml")):
        text = _TEMPLATE.sub(lambda m: f"http://{m.group(1).lower()}.test", path.read_text())
        http = (yaml.safe_load(text) or {}).get("http", {})
        for kind, entries in merged.items():
            entries.update(http.get(kind, {}))
    return merged


def test_rendered_static_config_listens_on_loopback_at_the_gateway_port() -> None:
    rendered = yaml.safe_load(
        render_static_config(
            (GATEWAY / "traefik.yml").read_text(), port=18080, dynamic_dir=Path("/repo/dyn")
        )
    )
    assert rendered["entryPoints"]["web"]["address"] == "127.0.0.1:18080"
    assert rendered["providers"]["file"] == {"directory": "/repo/dyn", "watch": True}
    assert rendered["accessLog"] == {"format": "json"}
    assert rendered["ping"] == {"entryPoint": "web"}
    assert rendered["entryPoints"]["web"]["http"]["aliasHeadersStrategy"] == "delete"


def test_static_config_is_written_into_the_state_dir(tmp_path: Path) -> None:
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    path = write_static_config(config)
    assert path == tmp_path / "traefik" / "traefik.yml"
    assert yaml.safe_load(path.read_text())["providers"]["file"]["directory"] == str(
        GATEWAY / "dynamic"
    )


def test_a_static_file_without_the_web_entrypoint_is_refused() -> None:
    with pytest.raises(ValueError, match=r"entryPoints\.web"):
        render_static_config("log: {level: INFO}\n", port=1, dynamic_dir=Path("/x"))


def test_every_router_strips_client_identity_headers_first() -> None:
    dynamic = _dynamic()
    assert dynamic["routers"]
    for name, router in dynamic["routers"].items():
        assert router["middlewares"][0] == "strip-identity", name
    strip = dynamic["middlewares"]["strip-identity"]["headers"]["customRequestHeaders"]
    assert strip == dict.fromkeys(IDENTITY_HEADERS, "")


def test_routers_name_only_middlewares_and_services_that_exist() -> None:
    dynamic = _dynamic()
    for name, router in dynamic["routers"].items():
        assert router["entryPoints"] == ["web"], name
        assert router["service"] in dynamic["services"], name
        for middleware in router["middlewares"]:
            assert middleware in dynamic["middlewares"], (name, middleware)


def test_auth_routes_are_public_only_for_sign_up_in_refresh_and_keys() -> None:
    routers = _dynamic()["routers"]
    public, protected = routers["auth-public"], routers["auth"]
    assert re.findall(r"Path\(`([^`]+)`\)", public["rule"]) == [
        "/auth/signup",
        "/auth/signin",
        "/auth/refresh",
        "/auth/.well-known/jwks.json",
    ]
    assert "auth-verify" not in public["middlewares"]
    assert "auth-rate-limit" in public["middlewares"]
    assert protected["middlewares"] == ["strip-identity", "auth-verify"]
    assert public["priority"] > protected["priority"]


def test_forward_auth_asks_the_auth_service_and_passes_identity_on() -> None:
    verify = _dynamic()["middlewares"]["auth-verify"]["forwardAuth"]
    assert verify["address"] == "http://sb_auth_url.test/auth/verify"
    assert verify["authResponseHeaders"] == IDENTITY_HEADERS
    assert verify["trustForwardHeader"] is True


def test_comments_hold_no_template_braces() -> None:
    # The file provider renders comments too; a stray template there breaks the whole file.
    for path in (GATEWAY / "dynamic").glob("*.yml"):
        for line in path.read_text().splitlines():
            assert not (line.lstrip().startswith("#") and "{{" in line), (path.name, line)
