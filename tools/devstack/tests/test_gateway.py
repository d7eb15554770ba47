"""The gateway configuration: the rendered static file, and rules every route must follow."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.config import StackConfig
from devstack.environment import gateway_env
from devstack.gateway import render_static_config, write_static_config
from devstack.services import SERVICES

from .conftest import REPO_ROOT

GATEWAY = REPO_ROOT / "gateway"
IDENTITY_HEADERS = ["X-User-Id", "X-User-Name", "X-User-Roles"]
_TEMPLATE = re.compile(r'\{\{\s*env\s+"([A-Z0-9_]+)"\s*\}\}')
# Every replica of a service, one server each: a range action in a comment line (so the raw
# file is plain YAML too), the line to repeat, and the end action in a comment line.
_RANGE = re.compile(
    r'^[ \t]*#\{\{ range \$url := splitList "," \(env "([A-Z0-9_]+)"\) \}\}\n'
    r"(.*\{\{ \$url \}\}.*\n)"
    r"^[ \t]*#\{\{ end \}\}\n",
    re.MULTILINE,
)


def _render(text: str, env: dict[str, str]) -> str:
    """What the file provider makes of a dynamic file, for the two template forms in use.

    Any other template is refused, so this stays a faithful stand-in for Go's templates.
    """

    def repeat(match: re.Match[str]) -> str:
        line = match.group(2)
        return "".join(line.replace("{{ $url }}", url) for url in env[match.group(1)].split(","))

    rendered = _TEMPLATE.sub(lambda m: env[m.group(1)], _RANGE.sub(repeat, text))
    assert "{{" not in rendered, f"a template this test does not know: {rendered}"
    return rendered


def _fake_env(text: str) -> dict[str, str]:
    """http://sb_auth_url.test for SB_AUTH_URL; two replicas for each SB_*_URLS."""
    names = set(re.findall(r'env "([A-Z0-9_]+)"', text))
    return {
        name: ",".join(f"http://{name.lower()}-{i}.test" for i in (1, 2))
        if name.endswith("_URLS")
        else f"http://{name.lower()}.test"
        for name in names
    }


def _dynamic(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Every dynamic file, with the env templates filled (with `env`, or made-up URLs)."""
    merged: dict[str, Any] = {"routers": {}, "middlewares": {}, "services": {}}
    for path in sorted((GATEWAY / "dynamic").glob("*.yml")):
        text = path.read_text()
        http = (yaml.safe_load(_render(text, env or _fake_env(text))) or {}).get("http", {})
        for kind, entries in merged.items():
            entries.update(http.get(kind, {}))
    return merged


def test_rendered_static_config_listens_on_loopback_at_the_gateway_port() -> None:
    rendered = yaml.safe_load(
        render_static_config(
            (GATEWAY / "traefik.yml").read_text(),
            port=18080,
            dynamic_dir=Path("/repo/dyn"),
            access_log=Path("/state/traefik/access.log"),
        )
    )
    assert rendered["entryPoints"]["web"]["address"] == "127.0.0.1:18080"
    assert rendered["providers"]["file"] == {"directory": "/repo/dyn", "watch": True}
    assert rendered["accessLog"] == {
        "filePath": "/state/traefik/access.log",  # every request, out of the terminal
        "format": "json",
        "bufferingSize": 100,  # written off the request path
        "fields": {"queryParameters": {"defaultMode": "drop"}},  # no ?access_token= in logs
    }
    assert rendered["ping"] == {"entryPoint": "web"}
    assert rendered["entryPoints"]["web"]["http"]["aliasHeadersStrategy"] == "delete"


def test_static_config_is_written_into_the_state_dir(tmp_path: Path) -> None:
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    path = write_static_config(config)
    assert path == tmp_path / "traefik" / "traefik.yml"
    rendered = yaml.safe_load(path.read_text())
    assert rendered["providers"]["file"]["directory"] == str(GATEWAY / "dynamic")
    assert rendered["accessLog"]["filePath"] == str(tmp_path / "traefik" / "access.log")


def test_each_run_starts_with_an_empty_access_log(tmp_path: Path) -> None:
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    (tmp_path / "traefik").mkdir()
    (tmp_path / "traefik" / "access.log").write_text('{"RequestPath": "/earlier"}\n')
    write_static_config(config)
    assert not (tmp_path / "traefik" / "access.log").exists()


def test_a_static_file_without_the_web_entrypoint_is_refused() -> None:
    with pytest.raises(ValueError, match=r"entryPoints\.web"):
        render_static_config(
            "log: {level: INFO}\n", port=1, dynamic_dir=Path("/x"), access_log=Path("/a")
        )


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


def test_comments_hold_no_template_braces_but_the_replica_lists() -> None:
    # The file provider renders comments too; a stray template there breaks the whole file.
    for path in (GATEWAY / "dynamic").glob("*.yml"):
        prose = _RANGE.sub("", path.read_text())
        for line in prose.splitlines():
            assert not (line.lstrip().startswith("#") and "{{" in line), (path.name, line)


def test_the_raw_files_are_yaml_too() -> None:
    # Read as they are by the deploy checks (k8s/gateway.yaml must match them).
    for path in (GATEWAY / "dynamic").glob("*.yml"):
        assert yaml.safe_load(path.read_text())["http"], path.name


def test_replicated_services_get_one_server_per_replica(config: StackConfig) -> None:
    """With the values `sbctl up` exports: both reviews replicas, every auth replica."""
    services = _dynamic(gateway_env(config, services=SERVICES))["services"]

    def servers(name: str) -> list[str]:
        return [server["url"] for server in services[name]["loadBalancer"]["servers"]]

    assert servers("reviews") == ["http://127.0.0.1:8103", "http://127.0.0.1:8107"]
    assert servers("chat") == ["http://127.0.0.1:8104", "http://127.0.0.1:8105"]
    assert servers("auth") == ["http://127.0.0.1:8101"]
    assert servers("inventory") == ["http://127.0.0.1:8102"]
    assert servers("portal") == ["http://127.0.0.1:8100"]


def test_reviews_routes_books_and_graphql_behind_forward_auth() -> None:
    router = _dynamic()["routers"]["reviews"]
    assert router["rule"] == "Path(`/books`) || PathPrefix(`/books/`) || Path(`/graphql`)"
    assert router["middlewares"] == ["strip-identity", "auth-verify"]
    assert router["service"] == "reviews"
    # No flush interval: Traefik flushes event streams after every write by itself.
    assert "responseForwarding" not in _dynamic()["services"]["reviews"]["loadBalancer"]


def test_chat_routes_rooms_messages_streams_and_ws_behind_forward_auth() -> None:
    router = _dynamic()["routers"]["chat"]
    assert router["rule"] == (
        "Path(`/rooms`) || PathPrefix(`/rooms/`) || PathPrefix(`/room/`)"
        " || PathPrefix(`/users/`) || Path(`/me/messages`) || Path(`/me/subscribe`)"
        " || Path(`/ws`)"
    )
    assert router["middlewares"] == ["strip-identity", "auth-verify"]
    assert router["service"] == "chat"
    assert "responseForwarding" not in _dynamic()["services"]["chat"]["loadBalancer"]


def test_only_chat_routes_users() -> None:
    """`/users/` is chat's alone (auth's users live under `/auth/users/`)."""
    routers = _dynamic()["routers"]
    owners = [name for name, router in routers.items() if "/users" in router["rule"]]
    assert owners == ["chat"]
