"""The table of services the runner starts, and the port layout derived from it.

Adding a service is one `ServiceSpec` entry (plus its routes in gateway/dynamic/).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "PORTAL_PORT_OFFSET",
    "SERVICES",
    "ServiceSpec",
    "check_port_layout",
    "find_service",
    "replica_names",
    "replica_ports",
]

# The portal takes SERVICE_PORT_BASE itself; services sit at fixed offsets above it so a
# service keeps its port when others are added.
PORTAL_PORT_OFFSET = 0


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """How to run one service.

    `name` is also its console script (`switchboard-<name>`), its Postgres role and schema.
    """

    name: str
    app: str
    """The ASGI app factory, `module:function`, served with `uvicorn --factory`."""
    port_offset: int
    """Port of the first replica above SERVICE_PORT_BASE; further replicas take the next ones,
    unless `more_port_offsets` says otherwise."""
    env_prefix: str
    replicas: int = 1
    more_port_offsets: tuple[int, ...] = ()
    """Ports of the replicas after the first, when the ones right above `port_offset` are
    another service's (one per extra replica). Empty: consecutive ports."""
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """More settings, named without the prefix (`{"FOO": "1"}` sets `<PREFIX>_FOO=1`)."""
    signs_tokens: bool = False
    """Needs an Ed25519 key: generated with `switchboard-<name> keygen` and passed as
    `<PREFIX>_JWT_PRIVATE_KEY_FILE`."""
    verifies_tokens: bool = True
    """Gets `<PREFIX>_JWKS_URL`, the auth service's public keys."""
    calls_auth: bool = False
    """Gets `<PREFIX>_AUTH_URL`, the auth service's direct URL (first replica), for calls
    such as looking a user up."""
    seeds: bool = False
    """Runs `switchboard-<name> seed --if-empty` after its migrations: a new checkout starts
    with sample data, and rows a developer added, changed or deleted are left as they are."""


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="auth",
        app="auth.main:create_app",
        port_offset=1,
        env_prefix="AUTH",
        signs_tokens=True,
        verifies_tokens=False,
    ),
    # Tokens checked with auth's JWKS (INVENTORY_JWKS_URL); sample DIDs loaded into an empty
    # table, so a new checkout shows a full table at once.
    ServiceSpec(
        name="inventory",
        app="inventory.main:create_app",
        port_offset=2,
        env_prefix="INVENTORY",
        seeds=True,
    ),
    # Two replicas, so `make up` shows what the issue asks of live reviews: a client on one
    # replica sees reviews posted through the other (NATS), the gateway balancing between
    # them. The second one sits above the reserved block (+4, +5 chat; +6 recipes). Tokens
    # checked with auth's JWKS; Redis (the page cache) and NATS; no sample data.
    ServiceSpec(
        name="reviews",
        app="reviews.main:create_app",
        port_offset=3,
        env_prefix="REVIEWS",
        replicas=2,
        more_port_offsets=(7,),
    ),
    # Two nodes on the block kept for them (+4, +5), round robin at the gateway, so a client
    # on one node gets messages posted through the other (NATS). Tokens checked with auth's
    # JWKS; direct-message recipients looked up at auth directly (CHAT_AUTH_URL); NATS for
    # fan-out and sign-out events; no Redis of its own (it is given the URL like every
    # service and ignores it); no sample data.
    ServiceSpec(
        name="chat",
        app="chat.main:create_app",
        port_offset=4,
        env_prefix="CHAT",
        replicas=2,
        calls_auth=True,
    ),
)


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
