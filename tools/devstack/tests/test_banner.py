"""The banner printed once everything answers."""

from pathlib import Path

from devstack.banner import render_banner
from devstack.config import StackConfig
from devstack.infra import InfraStatus
from devstack.processes import build_processes
from devstack.services import SERVICES


def test_banner_tells_where_everything_is_and_how_to_stop(config: StackConfig) -> None:
    processes = build_processes(
        config, services=SERVICES, python="python", traefik="traefik", static_config=Path("t.yml")
    )
    infra = [
        InfraStatus(name="postgres", url=config.pg_admin_url, started=False),
        InfraStatus(
            name="redis", url=config.redis_url, started=True, log_file=Path("/s/redis.log")
        ),
    ]
    banner = render_banner(config, processes=processes, infra=infra, pid=4242)
    assert "http://127.0.0.1:8080/docs" in banner
    assert "auth       http://127.0.0.1:8101" in banner
    assert "portal     http://127.0.0.1:8100" in banner
    assert "traefik    http" not in banner
    assert f"{config.pg_admin_url} (reused)" in banner
    assert "started by sbctl, log /s/redis.log" in banner
    assert str(config.state_dir) in banner
    assert f"requests  {config.state_dir}/traefik/access.log" in banner
    assert "kill -TERM 4242" in banner
