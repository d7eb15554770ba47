"""Liveness (`/health`) and readiness (`/ready`: the service's own DB, Redis and NATS answer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

__all__ = ["ReadinessCheck", "health_router"]

ReadinessCheck = Callable[[], Awaitable[object]]
log = logging.getLogger("switchkit.health")
CHECK_TIMEOUT_SECONDS = 2.0

health_router = APIRouter(tags=["health"])


@health_router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _run(name: str, check: ReadinessCheck) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not ready"; it is logged
        log.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
        return name, "down"
    return name, "up"


@health_router.get(
    "/ready",
    summary="Readiness: every dependency of the service answers",
    responses={503: {"description": "A dependency is down"}},
)
async def ready(request: Request) -> JSONResponse:
    checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
    results = dict(await asyncio.gather(*(_run(n, c) for n, c in checks.items())))
    ok = all(status == "up" for status in results.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": results},
        status_code=200 if ok else 503,
    )
