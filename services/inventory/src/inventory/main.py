"""The inventory service application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from inventory.config import Settings
from inventory.dids.pages import ChangeListener, PageCache
from inventory.dids.router import build_router
from inventory.dids.shortcut import LIST_PATH, ListingShortcut, ValidatedQueries
from switchkit.app import create_service_app
from switchkit.identity import TokenVerifier
from switchkit.shortcut import install_shortcut

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    token_verifier: Callable[[FastAPI], TokenVerifier] | None = None,
) -> FastAPI:
    """The app; tokens are checked against the auth service's JWKS unless a test says otherwise."""
    settings = settings or Settings()

    @asynccontextmanager
    async def page_cache(app: FastAPI) -> AsyncIterator[None]:
        cache = PageCache(max_pages=settings.page_cache_size)
        app.state.page_cache = cache
        if settings.page_cache_size == 0:
            yield  # never resumed: every page is read from Postgres (X-Cache: BYPASS)
            return
        assert settings.database_url
        async with ChangeListener(cache=cache, database_url=settings.database_url).running():
            yield

    dids_router = build_router(
        default_page_size=settings.default_page_size, max_page_size=settings.max_page_size
    )
    app = create_service_app(
        settings=settings,
        title="Switchboard inventory",
        description="The DID phone numbers a carrier has for sale, managed by sales "
        "supervisors in a table. Field names follow the contract agreed with the frontend "
        "(`monthyPrice` included).",
        version="1.0.0",
        token_verifier=token_verifier,
        hooks=[page_cache],
        routers=[dids_router],
    )
    queries = ValidatedQueries()
    app.state.validated_queries = queries
    [list_route] = [
        route
        for route in dids_router.routes
        if isinstance(route, APIRoute) and route.path == LIST_PATH and route.methods == {"GET"}
    ]
    install_shortcut(
        app,
        service=settings.service_name,
        shortcut=ListingShortcut(route=list_route, queries=queries),
        log_successes=False,
    )
    return app
