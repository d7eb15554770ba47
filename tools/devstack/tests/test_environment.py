"""Environment handed to services, portal and gateway."""

from devstack.config import StackConfig
from devstack.environment import gateway_env, portal_env, service_env
from devstack.services import SERVICES, ServiceSpec, find_service

REVIEWS = ServiceSpec(
    name="reviews",
    app="reviews.main:create_app",
    port_offset=3,
    env_prefix="REVIEWS",
    replicas=2,
    extra_env={"CACHE_TTL_SECONDS": "60"},
)
WITH_REVIEWS = (*SERVICES, REVIEWS)


def test_auth_gets_its_urls_and_signing_key_but_no_jwks(config: StackConfig) -> None:
    env = service_env(config, find_service("auth"), database="switchboard", services=SERVICES)
    assert env == {
        "AUTH_ENVIRONMENT": "dev",
        "AUTH_DATABASE_URL": "postgresql+asyncpg://auth:auth@127.0.0.1:5432/switchboard",
        "AUTH_REDIS_URL": "redis://127.0.0.1:6379/0",
        "AUTH_NATS_URL": "nats://127.0.0.1:4222",
        "AUTH_PUBLIC_URL": "http://127.0.0.1:8080",
        "AUTH_JWT_PRIVATE_KEY_FILE": str(config.state_dir / "keys" / "auth-ed25519.pem"),
    }


def test_inventory_verifies_tokens_with_auths_keys(config: StackConfig) -> None:
    env = service_env(config, find_service("inventory"), database="switchboard", services=SERVICES)
    assert env == {
        "INVENTORY_ENVIRONMENT": "dev",
        "INVENTORY_DATABASE_URL": (
            "postgresql+asyncpg://inventory:inventory@127.0.0.1:5432/switchboard"
        ),
        "INVENTORY_REDIS_URL": "redis://127.0.0.1:6379/0",
        "INVENTORY_NATS_URL": "nats://127.0.0.1:4222",
        "INVENTORY_PUBLIC_URL": "http://127.0.0.1:8080",
        # Straight to auth's own port, not through the gateway.
        "INVENTORY_JWKS_URL": "http://127.0.0.1:8101/auth/.well-known/jwks.json",
    }


def test_other_services_fetch_keys_from_auth_directly(config: StackConfig) -> None:
    env = service_env(config, REVIEWS, database="switchboard_e2e", services=WITH_REVIEWS)
    assert env["REVIEWS_JWKS_URL"] == "http://127.0.0.1:8101/auth/.well-known/jwks.json"
    assert env["REVIEWS_DATABASE_URL"].endswith("reviews:reviews@127.0.0.1:5432/switchboard_e2e")
    assert env["REVIEWS_CACHE_TTL_SECONDS"] == "60"
    assert "REVIEWS_JWT_PRIVATE_KEY_FILE" not in env


def test_the_portal_checks_the_first_replica_of_each_service(config: StackConfig) -> None:
    assert portal_env(config, services=WITH_REVIEWS) == {
        "PORTAL_SERVICES": (
            "auth=http://127.0.0.1:8101,inventory=http://127.0.0.1:8102,"
            "reviews=http://127.0.0.1:8103"
        )
    }


def test_the_gateway_gets_one_url_and_every_replica(config: StackConfig) -> None:
    assert gateway_env(config, services=WITH_REVIEWS) == {
        "SB_PORTAL_URL": "http://127.0.0.1:8100",
        "SB_AUTH_URL": "http://127.0.0.1:8101",
        "SB_AUTH_URLS": "http://127.0.0.1:8101",
        "SB_INVENTORY_URL": "http://127.0.0.1:8102",
        "SB_INVENTORY_URLS": "http://127.0.0.1:8102",
        "SB_REVIEWS_URL": "http://127.0.0.1:8103",
        "SB_REVIEWS_URLS": "http://127.0.0.1:8103,http://127.0.0.1:8104",
    }
