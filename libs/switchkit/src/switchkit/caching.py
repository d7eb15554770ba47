"""How a service says where an answer came from: the `X-Cache` header, HIT / MISS / BYPASS."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["CACHE_HEADER", "CacheStatus", "cache_header_response"]

CACHE_HEADER = "X-Cache"


class CacheStatus(StrEnum):
    HIT = "HIT"
    """Answered from the cache."""
    MISS = "MISS"
    """Read from Postgres, and now cached."""
    BYPASS = "BYPASS"
    """Read from Postgres and not cached: the cache is off or cannot be trusted right now."""


def cache_header_response(description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry of a 200 that carries `X-Cache`."""
    return {
        200: {
            "headers": {
                CACHE_HEADER: {
                    "description": description,
                    "schema": {"type": "string", "enum": [status.value for status in CacheStatus]},
                }
            }
        }
    }
