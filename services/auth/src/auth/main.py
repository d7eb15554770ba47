"""The auth service application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from auth.accounts import service as accounts
from auth.accounts.router import router as accounts_router
from auth.config import Settings
from auth.sessions.forward_auth import add_verify_route
from auth.sessions.keys import load_signing_key
from auth.sessions.router import router as sessions_router
from auth.sessions.service import SessionsContext
from auth.sessions.throttle import SigninThrottle
from auth.sessions.tokens import AccessTokenIssuer, LocalTokenVerifier
from switchkit.app import create_service_app
from switchkit.db import Database

__all__ = ["EVENTS_STREAM", "create_app"]

EVENTS_STREAM = StreamConfig(
    name="AUTH_EVENTS",
    subjects=["auth.>"],
    max_age=7 * 24 * 3600.0,
    description="Events of the auth service: sessions ended, users created.",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    signing_key = load_signing_key(settings)

    def verifier(app: FastAPI) -> LocalTokenVerifier:
        return LocalTokenVerifier(
            key=signing_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            redis=app.state.redis,
        )

    @asynccontextmanager
    async def sessions_runtime(app: FastAPI) -> AsyncIterator[None]:
        jetstream = app.state.nats.jetstream()
        await _ensure_stream(jetstream)
        app.state.signing_key = signing_key
        app.state.sessions = SessionsContext(
            issuer=AccessTokenIssuer(
                key=signing_key,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                ttl_seconds=settings.access_token_ttl_seconds,
            ),
            redis=app.state.redis,
            jetstream=jetstream,
            throttle=SigninThrottle(
                redis=app.state.redis,
                max_failures=settings.signin_max_failures,
                window_seconds=settings.signin_failure_window_seconds,
            ),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
        await _bootstrap_admin(settings, app.state.database)
        yield

    app = create_service_app(
        settings=settings,
        title="Switchboard auth",
        description="Users, sign-up/in/out, access and refresh tokens, roles, and the "
        "ForwardAuth check the gateway runs on every protected request.",
        version="1.0.0",
        routers=[accounts_router, sessions_router],
        token_verifier=verifier,
        hooks=[sessions_runtime],
    )
    add_verify_route(app)
    return app


async def _ensure_stream(jetstream: JetStreamContext) -> None:
    # Idempotent: every replica runs it at start-up; the server keeps one stream.
    await jetstream.add_stream(EVENTS_STREAM)


async def _bootstrap_admin(settings: Settings, database: Database) -> None:
    """The first admin comes from the environment, never from a default password."""
    if not settings.admin_username or settings.admin_password is None:
        return
    async with database.sessions.begin() as session:
        await accounts.ensure_admin(
            session=session,
            username=settings.admin_username,
            password=settings.admin_password.get_secret_value(),
        )
