"""The portal's ASGI app: `/docs`, `/docs/openapi/{service}.json` and `/health`."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from portal.config import PortalSettings
from portal.problems import problem
from portal.swagger import swagger_ui_page

__all__ = ["create_app"]


def create_app(
    settings: PortalSettings | None = None,
    *,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app; `upstream_transport` replaces the network in tests."""
    settings = settings if settings is not None else PortalSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The default timeout is the health check's; the OpenAPI fetch passes its own.
        async with httpx.AsyncClient(
            transport=upstream_transport, timeout=settings.health_timeout_seconds
        ) as client:
            app.state.upstream = client
            yield

    # The portal documents the services, not itself: FastAPI's own doc routes would clash.
    app = FastAPI(
        title="Switchboard docs portal",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get("/docs", response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        """One Swagger UI with a menu of every service."""
        return swagger_ui_page(
            title="Switchboard API",
            documents=[(name, f"/docs/openapi/{name}.json") for name in settings.services],
        )

    @app.get("/docs/openapi/{service}.json")
    async def openapi_document(service: str, request: Request) -> Response:
        """A service's OpenAPI document, pointed at the gateway instead of the service."""
        base_url = settings.services.get(service)
        if base_url is None:
            return problem(
                request,
                status=404,
                slug="not-found",
                title="Unknown service",
                detail=f"No service named {service!r} is documented here.",
            )
        client: httpx.AsyncClient = request.app.state.upstream
        try:
            upstream = await client.get(
                f"{base_url}/openapi.json", timeout=settings.openapi_timeout_seconds
            )
            upstream.raise_for_status()
            document: dict[str, Any] = upstream.json()
        except (httpx.HTTPError, ValueError) as exc:
            return problem(
                request,
                status=502,
                slug="bad-gateway",
                title="Service unavailable",
                detail=f"The {service} service did not return its OpenAPI document ({exc}).",
            )
        # Try-it-out calls must go through the gateway, where routing and ForwardAuth happen.
        document["servers"] = [{"url": str(request.base_url).rstrip("/")}]
        return JSONResponse(document)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        """200 when every service answers its liveness check, else 503; same body either way."""
        client: httpx.AsyncClient = request.app.state.upstream
        names = list(settings.services)
        results = await asyncio.gather(
            *(_is_up(client, url=f"{settings.services[name]}/health") for name in names)
        )
        services = {name: "up" if up else "down" for name, up in zip(names, results, strict=True)}
        healthy = all(results)
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "services": services},
            status_code=200 if healthy else 503,
        )

    return app


async def _is_up(client: httpx.AsyncClient, *, url: str) -> bool:
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
