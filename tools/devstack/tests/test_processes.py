"""The process list `sbctl up` supervises."""

import socket
from pathlib import Path

import pytest

from devstack.config import StackConfig
from devstack.processes import ProcessSpec, build_processes, busy, traefik_runtime_env
from devstack.services import SERVICES, ServiceSpec


def _build(config: StackConfig, services: tuple[ServiceSpec, ...] = SERVICES) -> list[ProcessSpec]:
    return build_processes(
        config,
        services=services,
        python="/venv/bin/python",
        traefik="/venv/bin/traefik",
        static_config=Path("/state/traefik/traefik.yml"),
    )


def test_services_then_portal_then_traefik(config: StackConfig) -> None:
    processes = _build(config)
    assert [(p.name, p.port) for p in processes] == [
        ("auth", 8101),
        ("inventory", 8102),
        ("reviews.1", 8103),
        ("reviews.2", 8107),
        ("chat.1", 8104),
        ("chat.2", 8105),
        ("portal", 8100),
        ("traefik", 8080),
    ]


def test_a_service_runs_its_factory_with_uvicorn_on_loopback_with_the_runners_logging(
    config: StackConfig,
) -> None:
    auth = _build(config)[0]
    assert auth.argv == (
        "/venv/bin/python",
        "-m",
        "uvicorn",
        "auth.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "8101",
        "--no-access-log",
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--log-config",
        str(config.state_dir / "logging.json"),
    )
    assert auth.env["AUTH_ENVIRONMENT"] == "dev"


def test_the_portal_keeps_uvicorns_own_logging(config: StackConfig) -> None:
    portal = _build(config)[-2]
    assert portal.name == "portal"
    assert "--log-config" not in portal.argv


def test_traefik_reads_the_rendered_static_config_and_the_upstream_urls(
    config: StackConfig,
) -> None:
    traefik = _build(config)[-1]
    assert traefik.argv == ("/venv/bin/traefik", "--configFile=/state/traefik/traefik.yml")
    assert traefik.env["SB_AUTH_URL"] == "http://127.0.0.1:8101"
    assert traefik.env["SB_PORTAL_URL"] == "http://127.0.0.1:8100"
    assert traefik.env["SB_REVIEWS_URLS"] == "http://127.0.0.1:8103,http://127.0.0.1:8107"


def test_both_reviews_replicas_get_the_same_settings(config: StackConfig) -> None:
    first, second = (p for p in _build(config) if p.name.startswith("reviews."))
    assert first.env == second.env
    assert first.argv[first.argv.index("--port") + 1] == "8103"
    assert second.argv[second.argv.index("--port") + 1] == "8107"


def test_the_portal_gets_the_first_replica_of_every_service(config: StackConfig) -> None:
    portal = _build(config)[-2]
    assert portal.name == "portal"
    assert portal.env == {
        "PORTAL_SERVICES": (
            "auth=http://127.0.0.1:8101,inventory=http://127.0.0.1:8102,"
            "reviews=http://127.0.0.1:8103,chat=http://127.0.0.1:8104"
        )
    }


def test_both_chat_nodes_get_the_same_settings_with_auths_direct_url(
    config: StackConfig,
) -> None:
    first, second = (p for p in _build(config) if p.name.startswith("chat."))
    assert first.env == second.env
    assert first.env["CHAT_AUTH_URL"] == "http://127.0.0.1:8101"
    assert first.argv[first.argv.index("--port") + 1] == "8104"
    assert second.argv[second.argv.index("--port") + 1] == "8105"


def test_ports_something_already_listens_on_are_reported() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken_port = listener.getsockname()[1]
        free = ProcessSpec(name="free", argv=("x",), env={}, port=_free_port())
        taken = ProcessSpec(name="taken", argv=("x",), env={}, port=taken_port)
        assert busy([free, taken]) == [taken]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(("cpus", "expected"), [(1, "1"), (2, "1"), (3, "1"), (8, "4")])
def test_traefik_gets_half_the_cpus(
    cpus: int, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOMAXPROCS", raising=False)
    monkeypatch.delenv("GOGC", raising=False)
    assert traefik_runtime_env(cpus) == {"GOMAXPROCS": expected, "GOGC": "300"}


def test_go_settings_of_ones_own_are_left_alone(
    config: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOMAXPROCS", "6")
    monkeypatch.setenv("GOGC", "100")
    assert traefik_runtime_env(2) == {}
    assert not {"GOMAXPROCS", "GOGC"} & set(_build(config)[-1].env)
