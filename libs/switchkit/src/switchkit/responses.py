"""Answers a route gives besides a plain schema object: a created resource."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.datastructures import URL
from starlette.responses import Response

__all__ = ["created"]


def created(entity: BaseModel, *, location: URL | str, etag: str | None = None) -> Response:
    """201 with the entity (rendered by its schema, aliases as the contract names them), an
    absolute `Location` (`request.url_for(...)` gives one) and, when given, its `ETag`."""
    headers = {"Location": str(location)}
    if etag is not None:
        headers["ETag"] = etag
    return Response(
        entity.model_dump_json(by_alias=True),
        status_code=201,
        media_type="application/json",
        headers=headers,
    )
