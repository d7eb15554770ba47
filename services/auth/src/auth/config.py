"""Auth service settings (environment variables prefixed `AUTH_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from switchkit.settings import Environment, KitSettings

__all__ = ["Settings"]


class Settings(KitSettings):
    service_name: ClassVar[str] = "auth"
    uses_redis: ClassVar[bool] = True
    uses_nats: ClassVar[bool] = True
    uses_jwks: ClassVar[bool] = False
    model_config = SettingsConfigDict(env_prefix="AUTH_", populate_by_name=True)

    jwt_private_key: SecretStr | None = None
    """The Ed25519 signing key as PEM; or give a path in `jwt_private_key_file`."""
    jwt_private_key_file: Path | None = None
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, ge=3600)
    signin_max_failures: int = Field(5, ge=1)
    signin_failure_window_seconds: int = Field(900, ge=1)
    admin_username: str | None = Field(None, validation_alias="SWITCHBOARD_ADMIN_USERNAME")
    admin_password: SecretStr | None = Field(None, validation_alias="SWITCHBOARD_ADMIN_PASSWORD")

    @model_validator(mode="after")
    def _signing_key_outside_dev(self) -> Self:
        if (
            self.environment is Environment.PROD
            and self.jwt_private_key is None
            and self.jwt_private_key_file is None
        ):
            raise ValueError("AUTH_JWT_PRIVATE_KEY or AUTH_JWT_PRIVATE_KEY_FILE must be set")
        return self
