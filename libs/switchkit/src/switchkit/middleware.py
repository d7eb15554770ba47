"""Pure ASGI middleware: request ids, access logs, body limits, the last-resort 500, metrics."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchkit.logging import request_id_var
from switchkit.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

__all__ = [
    "BodyLimitMiddleware",
    "MetricsMiddleware",
    "RequestContextMiddleware",
    "quiet_successes",
]

log = logging.getLogger("switchkit.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET = "switchkit_quiet_successes"
EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])


def quiet_successes(endpoint: EndpointT) -> EndpointT:
    """Marks a route's endpoint whose answers below 400 write no access line.

    For a hot path whose every request the gateway's access log records already (the
    ForwardAuth check, a list a table pages through); its failures are logged as any other.
    """
    setattr(endpoint, _QUIET, True)
    return endpoint


def _logs_successes(scope: Scope) -> bool:
    # The router keeps the route it matched in the (shared) scope.
    endpoint = getattr(scope.get("route"), "endpoint", None)
    return not getattr(endpoint, _QUIET, False)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _problem_body(
    status: int, title: str, detail: str, instance: str, **extensions: object
) -> bytes:
    slug = str(extensions.pop("slug", title.lower().replace(" ", "-")))
    problem = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return json.dumps({**problem, **extensions}).encode()


async def _send_problem(send: Send, *, status: int, body: bytes, request_id: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Outermost layer: takes or makes the request id, logs the request, answers crashes.

    An exception that escapes every handler is logged with its stack and the request id,
    and the client gets a problem+json 500 that reveals nothing of the internals.

    `log_successes=False` leaves out the access line of answers below 400, as routes marked
    `quiet_successes` do for theirs; failures (and requests that got no answer) are always
    logged.
    """

    def __init__(self, app: ASGIApp, *, log_successes: bool = True) -> None:
        self.app = app
        self.log_successes = log_successes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        # 32 random hex digits, as uuid4().hex has, without building a UUID.
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.match(incoming) else os.urandom(16).hex()
        )
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unhandled error",
                extra={"method": scope.get("method"), "path": scope.get("path")},
            )
            if scope["type"] == "http" and status == 0:
                status = 500
                body = _problem_body(
                    500, "Internal error", "An unexpected error occurred.", scope["path"]
                )
                await _send_problem(send, status=500, body=body, request_id=request_id)
        finally:
            if scope["type"] == "http" and (
                not 0 < status < 400 or (self.log_successes and _logs_successes(scope))
            ):
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuses request bodies over a size limit (400) before any of it reaches a handler."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_var.get() or ""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, request_id)
            return
        if _header(scope, b"transfer-encoding") is None:
            # Framed by its Content-Length (checked above) or bodiless (a GET): the server
            # delivers no more than that, so there is nothing to count.
            await self.app(scope, receive, send)
            return
        received = 0
        response_started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not refused:
                    refused = True
                    if not response_started:
                        await self._refuse(scope, send, request_id)
                    # The app sees a vanished client and stops reading; what it answers
                    # is dropped below, as the 400 has been sent.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Send, request_id: str) -> None:
        # Bad input is a 400 suite-wide (the contracts say so), with the limit named.
        message = f"must be at most {self.max_bytes} bytes"
        body = _problem_body(
            400,
            "Invalid request",
            f"The request body is too large: it {message}.",
            scope["path"],
            slug="validation",
            errors=[{"field": "body", "message": message}],
        )
        await _send_problem(send, status=400, body=body, request_id=request_id)


REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class MetricsMiddleware:
    """Counts requests and their latency per route template (never per raw path)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        # The labelled children, by (method, route, status): `labels()` costs more than a
        # dict lookup, on every request.
        self._counters: dict[tuple[str, str, str], Counter] = {}
        self._timers: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = _route_template(scope)
            method = scope.get("method", "")
            key = (method, route, str(status))
            counter = self._counters.get(key)
            if counter is None:
                counter = self._counters[key] = REQUESTS.labels(self.service, *key)
            counter.inc()
            timer = self._timers.get(key[:2])
            if timer is None:
                timer = self._timers[key[:2]] = LATENCY.labels(self.service, method, route)
            timer.observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    # The router stores the route it matched in the (shared) scope.
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))
