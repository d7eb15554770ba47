"""The Traefik static configuration the runner hands to Traefik."""

from pathlib import Path
from typing import Any

import yaml

from devstack.config import StackConfig

__all__ = ["render_static_config", "write_static_config"]


def render_static_config(source: str, *, port: int, dynamic_dir: Path) -> str:
    """gateway/traefik.yml with the local listen address and routes directory."""
    config: dict[str, Any] = yaml.safe_load(source)
    try:
        web = config["entryPoints"]["web"]
        file_provider = config["providers"]["file"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            "gateway/traefik.yml must define entryPoints.web and providers.file"
        ) from exc
    # Loopback only: the local stack trusts every local client (dev passwords, trust auth).
    web["address"] = f"127.0.0.1:{port}"
    file_provider["directory"] = str(dynamic_dir)
    header = "# Rendered by sbctl from gateway/traefik.yml: edit that file, not this one.\n"
    return header + yaml.safe_dump(config, sort_keys=False)


def write_static_config(config: StackConfig) -> Path:
    """Render the static configuration into the state dir and return its path."""
    gateway_dir = config.root / "gateway"
    rendered = render_static_config(
        (gateway_dir / "traefik.yml").read_text(encoding="utf-8"),
        port=config.gateway_port,
        dynamic_dir=gateway_dir / "dynamic",
    )
    target = config.state_dir / "traefik" / "traefik.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rendered, encoding="utf-8")
    return target
