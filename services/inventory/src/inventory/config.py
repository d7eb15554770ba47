"""Inventory service settings (environment variables prefixed `INVENTORY_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from switchkit.settings import KitSettings

__all__ = ["Settings"]


class Settings(KitSettings):
    service_name: ClassVar[str] = "inventory"
    model_config = SettingsConfigDict(env_prefix="INVENTORY_")

    page_cache_size: int = Field(1024, ge=0)
    """List pages kept in memory (see inventory.dids.cache); 0 turns the cache off."""
