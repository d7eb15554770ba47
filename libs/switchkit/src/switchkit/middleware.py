"""Pure ASGI middleware: request ids, access logs, body limits, the last-resort 500, metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchkit.logging import request_id_var
from switchkit.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

__all__ = ["BodyLimitMiddleware", "MetricsMiddleware", "RequestContextMiddleware"]

log = logging.getLogger("switchkit.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


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

    `log_successes=False` leaves out the access line of answers below 400, for a hot path
    whose every request the gateway's access log records already; failures (and requests
    that got no answer) are always logged.
    """

    def __init__(self, app: ASGIApp, *, log_successes: bool = True) -> None:
        self.app = app
        self.log_successes = log_successes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
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
            if scope["type"] == "http" and (self.log_successes or not 0 < status < 400):
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
            REQUESTS.labels(self.service, method, route, str(status)).inc()
            LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    # The router stores the route it matched in the (shared) scope.
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))
