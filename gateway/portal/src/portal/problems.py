"""RFC 9457 problem+json responses of the portal."""

from fastapi import Request
from fastapi.responses import JSONResponse

__all__ = ["problem"]

_TYPE_BASE = "https://switchboard.dev/problems/"


def problem(request: Request, *, status: int, slug: str, title: str, detail: str) -> JSONResponse:
    """Build a problem+json response whose `instance` is the request's path."""
    return JSONResponse(
        {
            "type": _TYPE_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        },
        status_code=status,
        media_type="application/problem+json",
    )
