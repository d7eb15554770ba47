"""The service application factory: middleware, error handlers, health, and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from redis.asyncio import Redis

from switchkit.db import Database
from switchkit.health import ReadinessCheck, health_router
from switchkit.identity import JwksTokenVerifier, TokenVerifier
from switchkit.logging import configure_logging
from switchkit.messaging import connect_nats
from switchkit.metrics import metrics_router
from switchkit.middleware import BodyLimitMiddleware, MetricsMiddleware, RequestContextMiddleware
from switchkit.problems import install_problem_handlers, problem_responses
from switchkit.settings import KitSettings

__all__ = ["LifespanHook", "create_service_app"]

LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
REDIS_TIMEOUT_SECONDS = 0.5
# Headers a browser script may read: pagination, caching, created resources, throttling.
EXPOSED_HEADERS = ["Location", "ETag", "Link", "X-Total-Count", "X-Request-Id", "Retry-After"]


def create_service_app(
    *,
    settings: KitSettings,
    title: str,
    description: str,
    version: str,
    routers: Sequence[APIRouter],
    token_verifier: Callable[[FastAPI], TokenVerifier] | None = None,
    hooks: Sequence[LifespanHook] = (),
) -> FastAPI:
    """Build a service app; `hooks` run inside the lifespan once DB, Redis and NATS are open.

    Tokens are verified against `settings.jwks_url` unless `token_verifier` builds another
    verifier (the auth service checks its own key); it is called once the lifespan has
    opened the connections.
    """
    configure_logging(service=settings.service_name, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            assert settings.database_url
            database = Database(settings.database_url, pool_size=settings.database_pool_size)
            stack.push_async_callback(database.dispose)
            app.state.database = database
            checks: dict[str, ReadinessCheck] = {"database": database.ping}
            if settings.redis_url:
                redis = Redis.from_url(
                    settings.redis_url,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                )
                stack.push_async_callback(redis.aclose)
                app.state.redis = redis
                checks["redis"] = redis.ping
            if settings.nats_url:
                nats = await connect_nats(url=settings.nats_url, name=settings.service_name)
                stack.push_async_callback(nats.drain)
                app.state.nats = nats
                checks["nats"] = nats.flush
            if token_verifier is not None:
                app.state.token_verifier = token_verifier(app)
            else:
                assert settings.jwks_url
                jwks = JwksTokenVerifier(
                    jwks_url=settings.jwks_url,
                    issuer=settings.jwt_issuer,
                    audience=settings.jwt_audience,
                )
                stack.push_async_callback(jwks.aclose)
                app.state.token_verifier = jwks
            app.state.readiness_checks = checks
            for hook in hooks:
                await stack.enter_async_context(hook(app))
            yield

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # The suite's telemetry is its JSON logs and Prometheus metrics, not OpenTelemetry;
        # left on, FastAPI asks the OpenTelemetry providers on every request whether to trace.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for router in routers:
        app.include_router(router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_allow_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "X-Request-Id",
        ],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, log_successes=settings.log_successful_requests)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Bad input is a 400 problem here; FastAPI's generated spec would promise a 422."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        bad_input = problem_responses(400)[400]
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", bad_input)
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
