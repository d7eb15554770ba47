"""The services the runner starts, read from their manifests, and the port layout.

Adding a service is its folder with a `service.toml` (`sbctl new-service NAME` makes both);
see devstack.manifest for the format.
"""

from collections.abc import Sequence

from devstack.manifest import (
    PORTAL_MANIFEST,
    REPO_ROOT,
    Deployment,
    Route,
    ServiceSpec,
    load_manifest,
    load_services,
)

__all__ = [
    "PORTAL",
    "PORTAL_PORT_OFFSET",
    "SERVICES",
    "Deployment",
    "Route",
    "ServiceSpec",
    "check_port_layout",
    "find_service",
    "replica_names",
    "replica_ports",
]

SERVICES: tuple[ServiceSpec, ...] = load_services(REPO_ROOT)
"""Every service of this checkout, in port order (services/*/service.toml)."""
PORTAL: ServiceSpec = load_manifest(REPO_ROOT / PORTAL_MANIFEST, root=REPO_ROOT)
"""The docs portal (gateway/portal/service.toml): routed and deployed like a service, but it
has no database and the runner starts it after the services."""
# The portal takes SERVICE_PORT_BASE itself; services sit at fixed offsets above it so a
# service keeps its port when others are added.
PORTAL_PORT_OFFSET = PORTAL.port_offset


def find_service(name: str, services: Sequence[ServiceSpec] = SERVICES) -> ServiceSpec:
    """The entry called `name`."""
    for spec in services:
        if spec.name == name:
            return spec
    raise KeyError(f"no service named {name!r}")


def _replica_offsets(spec: ServiceSpec) -> list[int]:
    if not spec.more_port_offsets:
        return list(range(spec.port_offset, spec.port_offset + spec.replicas))
    if len(spec.more_port_offsets) != spec.replicas - 1:
        raise ValueError(
            f"{spec.name}: more_port_offsets names {len(spec.more_port_offsets)} ports "
            f"for {spec.replicas - 1} more replicas"
        )
    return [spec.port_offset, *spec.more_port_offsets]


def replica_ports(spec: ServiceSpec, *, base: int) -> list[int]:
    """The port of each replica, in order."""
    return [base + offset for offset in _replica_offsets(spec)]


def replica_names(spec: ServiceSpec) -> list[str]:
    """Process names: the service's name, or `name.1`, `name.2`... when it has replicas."""
    if spec.replicas == 1:
        return [spec.name]
    return [f"{spec.name}.{index}" for index in range(1, spec.replicas + 1)]


def check_port_layout(services: Sequence[ServiceSpec]) -> None:
    """Refuse a table where two processes would share a port offset."""
    taken = {PORTAL_PORT_OFFSET: "portal"}
    for spec in services:
        if spec.replicas < 1:
            raise ValueError(f"{spec.name}: replicas must be at least 1")
        for offset in _replica_offsets(spec):
            if offset in taken:
                raise ValueError(
                    f"{spec.name}: port offset {offset} is already used by {taken[offset]}"
                )
            taken[offset] = spec.name
