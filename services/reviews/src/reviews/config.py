"""Reviews service settings (environment variables prefixed `REVIEWS_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from switchkit.settings import KitSettings

__all__ = ["Settings"]


class Settings(KitSettings):
    service_name: ClassVar[str] = "reviews"
    uses_redis: ClassVar[bool] = True
    uses_nats: ClassVar[bool] = True
    model_config = SettingsConfigDict(env_prefix="REVIEWS_")

    default_page_size: int = Field(20, ge=1)
    """Books in a page of `GET /books` when the request does not say (the kit's default is 50)."""
    log_successful_requests: bool = False
    """Every request comes through the gateway, whose access log records it; a line of our own
    per cache hit would cost about as much CPU as the rest of the hit (failures are logged)."""
    cache_enabled: bool = True
    """Off makes every `GET /books` read Postgres (answered with `X-Cache: BYPASS`)."""
    cache_ttl_seconds: int = Field(300, ge=1)
    cache_breaker_seconds: float = Field(30.0, gt=0)
    """How long Redis is left alone after it failed, before one request tries it again."""
