"""The reviews service application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from reviews.book_reviews.feed import ReviewFeed
from reviews.book_reviews.router import router as reviews_router
from reviews.books.router import router as books_router
from reviews.config import Settings
from reviews.graphql.router import graphql_router
from switchkit.app import create_service_app
from switchkit.identity import TokenVerifier
from switchkit.pages.redis import CircuitBreaker, RedisPageStore

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    token_verifier: Callable[[FastAPI], TokenVerifier] | None = None,
) -> FastAPI:
    """The app; tokens are checked against the auth service's JWKS unless a test says otherwise."""
    settings = settings or Settings()

    @asynccontextmanager
    async def runtime(app: FastAPI) -> AsyncIterator[None]:
        app.state.page_store = RedisPageStore(
            redis=app.state.redis,
            # Two suites sharing one Redis (e2e beside `make up`) must not serve each other's pages.
            namespace=f"reviews:{make_url(settings.database_url or '').database}:books",
            ttl_seconds=settings.cache_ttl_seconds,
            breaker=CircuitBreaker(pause_seconds=settings.cache_breaker_seconds),
            enabled=settings.cache_enabled,
        )
        feed = ReviewFeed(app.state.nats)
        await feed.start()
        app.state.review_feed = feed
        try:
            yield
        finally:
            await feed.stop()

    return create_service_app(
        settings=settings,
        title="Switchboard reviews",
        description="Books and their reviews. The book list is read through a Redis cache "
        "that falls back to Postgres when Redis is down.",
        version="1.0.0",
        routers=[books_router, reviews_router, graphql_router()],
        token_verifier=token_verifier,
        hooks=[runtime],
    )
