"""RFC 9457 problem details: the domain error hierarchy and the one place that renders it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "BadRequest",
    "Conflict",
    "FieldError",
    "Forbidden",
    "KitError",
    "NotFound",
    "PreconditionFailed",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://switchboard.dev/problems/"
log = logging.getLogger("switchkit.problems")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class KitError(Exception):
    """A domain error with an HTTP meaning; services raise subclasses, never HTTPException."""

    status: int = 500
    slug: str = "internal"
    title: str = "Internal error"

    def __init__(self, detail: str | None = None, *, headers: Mapping[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})

    def extensions(self) -> dict[str, Any]:
        """Extra members of the problem object, for subclasses that carry data."""
        return {}


class BadRequest(KitError):
    status, slug, title = 400, "validation", "Invalid request"

    def __init__(self, detail: str | None = None, *, errors: Sequence[FieldError] = ()):
        self.errors = list(errors)
        if detail is None:
            n = len(self.errors)
            detail = f"{n} field{'s are' if n != 1 else ' is'} invalid" if n else None
        super().__init__(detail)

    def extensions(self) -> dict[str, Any]:
        return {"errors": [{"field": e.field, "message": e.message} for e in self.errors]}


class Unauthorized(KitError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, *, error: str | None = None):
        challenge = 'Bearer realm="switchboard"'
        if error:
            challenge += f', error="{error}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(KitError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(KitError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(KitError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(KitError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class TooManyRequests(KitError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(KitError):
    status, slug, title = 503, "unavailable", "Service unavailable"


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str | None = None,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _field_name(loc: Sequence[int | str]) -> str:
    # The first element says where the value came from (body, query, path, header).
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or str(loc[0])


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    # Pydantic prefixes custom validator messages; the client needs only the reason.
    return message.removeprefix("Value error, ")


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: list[FieldError] = []
    body_errors = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("body",)]
    content_type = request.headers.get("content-type")
    if body_errors and content_type and not _is_json(content_type):
        # Whatever the body said, it was not read as JSON: that is the one thing to fix.
        errors.append(FieldError("body", f"must be application/json, not {content_type}"))
    for error in [] if errors else exc.errors():
        loc = error.get("loc", ())
        if error.get("type") == "json_invalid":
            errors.append(FieldError("body", "is not valid JSON"))
        elif tuple(loc) == ("body",) and error.get("type") == "missing":
            errors.append(FieldError("body", "is required"))
        else:
            errors.append(FieldError(_field_name(loc), _message(error)))
    problem = BadRequest(errors=errors)
    return problem_response(
        status=problem.status,
        title=problem.title,
        detail=problem.detail,
        slug=problem.slug,
        instance=request.url.path,
        extensions=problem.extensions(),
    )


def kit_error_problem(request: Request, exc: KitError) -> JSONResponse:
    return problem_response(
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        slug=exc.slug,
        instance=request.url.path,
        extensions=exc.extensions(),
        headers=exc.headers,
    )


def http_exception_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    if status is HTTPStatus.NOT_FOUND and detail == status.phrase:
        detail = f"No resource at {request.url.path}"
    return problem_response(
        status=status.value,
        title=status.phrase,
        detail=detail,
        slug=status.phrase.lower().replace(" ", "-"),
        instance=request.url.path,
        headers=exc.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json answer."""

    async def on_kit_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, KitError)
        return kit_error_problem(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(request, exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return http_exception_problem(request, exc)

    app.add_exception_handler(KitError, on_kit_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


_PROBLEM_SCHEMA: dict[str, Any] = {
    "content": {
        PROBLEM_CONTENT_TYPE: {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string", "format": "uri"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            }
        }
    }
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json answers."""
    return {
        status: {"description": HTTPStatus(status).phrase, **_PROBLEM_SCHEMA} for status in statuses
    }
