"""Environment handed to services, portal and gateway."""

from devstack.config import StackConfig
from devstack.environment import gateway_env, portal_env, service_env
from devstack.services import SERVICES, ServiceSpec, find_service

# A made-up service with extra settings and consecutive replica ports, beside the table.
CATALOG = ServiceSpec(
    name="catalog",
    app="catalog.main:create_app",
    port_offset=8,
    env_prefix="CATALOG",
    replicas=2,
    extra_env={"CACHE_TTL_SECONDS": "60"},
)
WITH_CATALOG = (*SERVICES, CATALOG)


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


def test_reviews_verifies_tokens_and_gets_redis_and_nats(config: StackConfig) -> None:
    env = service_env(config, find_service("reviews"), database="switchboard", services=SERVICES)
    assert env == {
        "REVIEWS_ENVIRONMENT": "dev",
        "REVIEWS_DATABASE_URL": "postgresql+asyncpg://reviews:reviews@127.0.0.1:5432/switchboard",
        "REVIEWS_REDIS_URL": "redis://127.0.0.1:6379/0",
        "REVIEWS_NATS_URL": "nats://127.0.0.1:4222",
        "REVIEWS_PUBLIC_URL": "http://127.0.0.1:8080",
        "REVIEWS_JWKS_URL": "http://127.0.0.1:8101/auth/.well-known/jwks.json",
    }


def test_chat_verifies_tokens_and_calls_auth_directly(config: StackConfig) -> None:
    env = service_env(config, find_service("chat"), database="switchboard", services=SERVICES)
    assert env == {
        "CHAT_ENVIRONMENT": "dev",
        "CHAT_DATABASE_URL": "postgresql+asyncpg://chat:chat@127.0.0.1:5432/switchboard",
        "CHAT_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CHAT_NATS_URL": "nats://127.0.0.1:4222",
        "CHAT_PUBLIC_URL": "http://127.0.0.1:8080",
        "CHAT_JWKS_URL": "http://127.0.0.1:8101/auth/.well-known/jwks.json",
        "CHAT_AUTH_URL": "http://127.0.0.1:8101",
    }


def test_other_services_fetch_keys_from_auth_directly(config: StackConfig) -> None:
    env = service_env(config, CATALOG, database="switchboard_e2e", services=WITH_CATALOG)
    assert env["CATALOG_JWKS_URL"] == "http://127.0.0.1:8101/auth/.well-known/jwks.json"
    assert env["CATALOG_DATABASE_URL"].endswith("catalog:catalog@127.0.0.1:5432/switchboard_e2e")
    assert env["CATALOG_CACHE_TTL_SECONDS"] == "60"
    assert "CATALOG_JWT_PRIVATE_KEY_FILE" not in env


def test_the_portal_checks_the_first_replica_of_each_service(config: StackConfig) -> None:
    assert portal_env(config, services=SERVICES) == {
        "PORTAL_SERVICES": (
            "auth=http://127.0.0.1:8101,inventory=http://127.0.0.1:8102,"
            "reviews=http://127.0.0.1:8103,chat=http://127.0.0.1:8104"
        )
    }


def test_the_gateway_gets_one_url_and_every_replica(config: StackConfig) -> None:
    assert gateway_env(config, services=WITH_CATALOG) == {
        "SB_PORTAL_URL": "http://127.0.0.1:8100",
        "SB_PORTAL_URLS": "http://127.0.0.1:8100",
        "SB_AUTH_URL": "http://127.0.0.1:8101",
        "SB_AUTH_URLS": "http://127.0.0.1:8101",
        "SB_INVENTORY_URL": "http://127.0.0.1:8102",
        "SB_INVENTORY_URLS": "http://127.0.0.1:8102",
        # The second reviews replica above the block reserved for chat and catalog.
        "SB_REVIEWS_URL": "http://127.0.0.1:8103",
        "SB_REVIEWS_URLS": "http://127.0.0.1:8103,http://127.0.0.1:8107",
        "SB_CHAT_URL": "http://127.0.0.1:8104",
        "SB_CHAT_URLS": "http://127.0.0.1:8104,http://127.0.0.1:8105",
        "SB_CATALOG_URL": "http://127.0.0.1:8108",
        "SB_CATALOG_URLS": "http://127.0.0.1:8108,http://127.0.0.1:8109",
    }
