"""Chat service settings (environment variables prefixed `CHAT_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from switchkit.settings import KitSettings

__all__ = ["Settings"]


class Settings(KitSettings):
    service_name: ClassVar[str] = "chat"
    uses_nats: ClassVar[bool] = True
    model_config = SettingsConfigDict(env_prefix="CHAT_")

    auth_url: str = "http://127.0.0.1:8101"
    """The auth service, asked whether a direct message's recipient exists."""
    default_page_size: int = Field(100, ge=1)
    """A room list is one page of up to 100 unless asked otherwise."""
    stream_queue_size: int = Field(256, ge=1)
    """Messages a slow client may lag behind before it is disconnected."""
