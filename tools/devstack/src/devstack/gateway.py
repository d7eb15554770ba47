"""The Traefik static configuration the runner hands to Traefik."""

from pathlib import Path
from typing import Any

import yaml

from devstack.config import StackConfig

__all__ = ["access_log_path", "render_static_config", "write_static_config"]


def render_static_config(source: str, *, port: int, dynamic_dir: Path, access_log: Path) -> str:
    """gateway/traefik.yml with the local listen address, routes directory and access log.

    The access log goes to a file: it has a line for every request, which the terminal is
    spared (the process manager would spend CPU relaying each one).
    """
    config: dict[str, Any] = yaml.safe_load(source)
    try:
        web = config["entryPoints"]["web"]
        file_provider = config["providers"]["file"]
        access = config["accessLog"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            "gateway/traefik.yml must define entryPoints.web, providers.file and accessLog"
        ) from exc
    # Loopback only: the local stack trusts every local client (dev passwords, trust auth).
    web["address"] = f"127.0.0.1:{port}"
    file_provider["directory"] = str(dynamic_dir)
    access["filePath"] = str(access_log)
    header = "# Rendered by sbctl from gateway/traefik.yml: edit that file, not this one.\n"
    return header + yaml.safe_dump(config, sort_keys=False)


def access_log_path(config: StackConfig) -> Path:
    """Where Traefik writes the access log of a local run."""
    return config.state_dir / "traefik" / "access.log"


def write_static_config(config: StackConfig) -> Path:
    """Render the static configuration into the state dir and return its path; the access
    log starts empty (it holds the requests of this run)."""
    gateway_dir = config.root / "gateway"
    access_log = access_log_path(config)
    rendered = render_static_config(
        (gateway_dir / "traefik.yml").read_text(encoding="utf-8"),
        port=config.gateway_port,
        dynamic_dir=gateway_dir / "dynamic",
        access_log=access_log,
    )
    target = config.state_dir / "traefik" / "traefik.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rendered, encoding="utf-8")
    access_log.unlink(missing_ok=True)
    return target
