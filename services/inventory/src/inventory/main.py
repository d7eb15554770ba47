"""The inventory service application."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from inventory.config import Settings
from inventory.dids.cache import page_store
from inventory.dids.router import router as dids_router
from switchkit.app import create_service_app
from switchkit.identity import TokenVerifier

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    token_verifier: Callable[[FastAPI], TokenVerifier] | None = None,
) -> FastAPI:
    """The app; tokens are checked against the auth service's JWKS unless a test says otherwise."""
    return create_service_app(
        settings=settings or Settings(),
        title="Switchboard inventory",
        description="The DID phone numbers a carrier has for sale, managed by sales "
        "supervisors in a table. Field names follow the contract agreed with the frontend "
        "(`monthyPrice` included).",
        version="1.0.0",
        token_verifier=token_verifier,
        hooks=[page_store],
        routers=[dids_router],
    )
