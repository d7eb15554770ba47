"""Settings of the portal, read from the environment."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["PortalSettings", "parse_services"]

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True, kw_only=True)
class PortalSettings:
    """Which services the portal documents and checks, by name, with their internal base URL."""

    services: Mapping[str, str] = field(default_factory=dict)
    # Short: /health is polled by the runner and by probes, and one slow service must not make
    # the whole answer late.
    health_timeout_seconds: float = 2.0
    openapi_timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "PortalSettings":
        """Read `PORTAL_SERVICES`, e.g. `auth=http://127.0.0.1:8101,reviews=http://...`."""
        return cls(services=parse_services(environ.get("PORTAL_SERVICES", "")))


def parse_services(spec: str) -> dict[str, str]:
    """Parse comma-separated `name=url` pairs, keeping their order (the order of the docs menu)."""
    services: dict[str, str] = {}
    for raw_item in spec.split(","):
        item = raw_item.strip()
        if not item:
            continue
        name, sep, url = (part.strip() for part in item.partition("="))
        if not sep or not _SERVICE_NAME.match(name):
            raise ValueError(f"PORTAL_SERVICES: expected name=url, got {item!r}")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"PORTAL_SERVICES: {name} needs an http(s) URL, got {url!r}")
        if name in services:
            raise ValueError(f"PORTAL_SERVICES: {name} is listed twice")
        services[name] = url.rstrip("/")
    return services
