"""Settings every service shares, read from environment variables with a per-service prefix."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Environment", "KitSettings"]


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class KitSettings(BaseSettings):
    """Base settings; a service subclasses it and sets `service_name` and its env prefix.

    Connection URLs carry credentials, so they only get working defaults in `dev`;
    anywhere else a missing one stops the service at start-up.
    """

    service_name: ClassVar[str] = "service"
    uses_redis: ClassVar[bool] = False
    uses_nats: ClassVar[bool] = False
    uses_jwks: ClassVar[bool] = True
    """False only for the auth service, which verifies tokens with its own keys."""
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Environment = Environment.DEV
    log_level: str = "INFO"
    database_url: str | None = None
    database_pool_size: int = 10
    redis_url: str | None = None
    nats_url: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str = "switchboard-auth"
    jwt_audience: str = "switchboard"
    max_body_bytes: int = 64 * 1024
    log_successful_requests: bool = True
    """False: an answer below 400 writes no access line (failures always do), for a service
    whose every request the gateway's access log records already."""
    default_page_size: int = Field(50, ge=1)
    """Rows in a list page when the request does not say (`switchkit.pagination`)."""
    max_page_size: int = Field(100, ge=1)
    """The largest page a request may ask for; more is a 400 naming the parameter."""
    cors_allow_origins: list[str] = ["*"]
    """Origins whose browsers may call the API. Tokens travel in headers, never cookies,
    so allowing any origin exposes nothing a page could not already send."""

    @model_validator(mode="after")
    def _dev_defaults_only_in_dev(self) -> Self:
        defaults = self.dev_defaults()
        missing = []
        for field, default in defaults.items():
            if getattr(self, field) is not None:
                continue
            if self.environment is Environment.PROD:
                missing.append(field)
            else:
                object.__setattr__(self, field, default)
        if missing:
            prefix = self.model_config.get("env_prefix", "")
            names = ", ".join(f"{prefix}{name}".upper() for name in missing)
            raise ValueError(f"{names} must be set outside dev")
        return self

    def dev_defaults(self) -> dict[str, str]:
        """What a local run uses when a URL is not set; services extend it."""
        name = self.service_name
        defaults = {
            "database_url": f"postgresql+asyncpg://{name}:{name}@127.0.0.1:5432/switchboard",
        }
        if self.uses_redis:
            defaults["redis_url"] = "redis://127.0.0.1:6379/0"
        if self.uses_nats:
            defaults["nats_url"] = "nats://127.0.0.1:4222"
        if self.uses_jwks:
            defaults["jwks_url"] = "http://127.0.0.1:8101/auth/.well-known/jwks.json"
        return defaults
