"""Environment variables handed to the services, the portal and the gateway."""

from collections.abc import Sequence
from pathlib import Path

from devstack.config import StackConfig
from devstack.services import PORTAL_PORT_OFFSET, ServiceSpec, find_service, replica_ports

__all__ = [
    "dev_password",
    "gateway_env",
    "portal_env",
    "service_env",
    "signing_key_path",
    "upstream_urls",
]


def dev_password(role: str) -> str:
    """The password of a service's database role: its name. Only the local runner uses it."""
    return role


def signing_key_path(config: StackConfig, spec: ServiceSpec) -> Path:
    """Where the service's Ed25519 signing key is kept."""
    return config.state_dir / "keys" / f"{spec.name}-ed25519.pem"


def upstream_urls(config: StackConfig, spec: ServiceSpec) -> list[str]:
    """The internal base URL of each replica."""
    return [
        f"http://127.0.0.1:{port}" for port in replica_ports(spec, base=config.service_port_base)
    ]


def service_env(
    config: StackConfig,
    spec: ServiceSpec,
    *,
    database: str,
    services: Sequence[ServiceSpec],
) -> dict[str, str]:
    """The settings of one service (every replica gets the same)."""
    prefix = spec.env_prefix
    env = {
        f"{prefix}_ENVIRONMENT": "dev",
        f"{prefix}_DATABASE_URL": config.database_url(
            role=spec.name, password=dev_password(spec.name), database=database
        ),
        f"{prefix}_REDIS_URL": config.redis_url,
        f"{prefix}_NATS_URL": config.nats_url,
        f"{prefix}_PUBLIC_URL": config.gateway_url,
    }
    # Straight to auth, not through the gateway: a service must start even if Traefik is not
    # up yet, and key fetches should not count against the public rate limit.
    if spec.verifies_tokens or spec.calls_auth:
        auth_url = upstream_urls(config, find_service("auth", services))[0]
        if spec.verifies_tokens:
            env[f"{prefix}_JWKS_URL"] = f"{auth_url}/auth/.well-known/jwks.json"
        if spec.calls_auth:
            env[f"{prefix}_AUTH_URL"] = auth_url
    if spec.signs_tokens:
        env[f"{prefix}_JWT_PRIVATE_KEY_FILE"] = str(signing_key_path(config, spec))
    env.update({f"{prefix}_{name}": value for name, value in spec.extra_env.items()})
    return env


def portal_env(config: StackConfig, *, services: Sequence[ServiceSpec]) -> dict[str, str]:
    """The portal documents and checks the first replica of every service."""
    entries = [f"{spec.name}={upstream_urls(config, spec)[0]}" for spec in services]
    return {"PORTAL_SERVICES": ",".join(entries)}


def gateway_env(config: StackConfig, *, services: Sequence[ServiceSpec]) -> dict[str, str]:
    """The values gateway/dynamic/*.yml reads: SB_<NAME>_URLS (every replica, comma-separated)
    and SB_<NAME>_URL (the first; ForwardAuth has one address, SB_AUTH_URL)."""
    portal = f"http://127.0.0.1:{config.service_port_base + PORTAL_PORT_OFFSET}"
    env = {"SB_PORTAL_URL": portal, "SB_PORTAL_URLS": portal}
    for spec in services:
        urls = upstream_urls(config, spec)
        key = spec.name.upper().replace("-", "_")
        env[f"SB_{key}_URL"] = urls[0]
        env[f"SB_{key}_URLS"] = ",".join(urls)
    return env
