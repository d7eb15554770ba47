"""Page-number pagination: query parameters, `X-Total-Count` and RFC 8288 `Link` headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query, Request
from starlette.datastructures import URL

from switchkit.problems import BadRequest, FieldError
from switchkit.settings import KitSettings

__all__ = ["Page", "PageDep", "page_headers", "page_query"]


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_headers(
    *, url: URL, page: Page, total: int, page_param: str = "page", size_param: str = "per_page"
) -> dict[str, str]:
    """`X-Total-Count` and a `Link` with first/prev/next/last relative to the request URL.

    Each link is the request URL with the page parameters replaced and moved to the end, as
    `URL.include_query_params` would write it; the query is parsed once for all four.
    """
    last = max(1, -(-total // page.size))
    kept = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(url.query, keep_blank_values=True)
            if name not in (page_param, size_param)
        ]
    )
    # What `urlencode([*kept, (page_param, n), (size_param, size)])` writes (both names are
    # plain query words), built once instead of four times.
    scheme, netloc, path, _, fragment = url.components
    # A request's URL is absolute; anything else as `urlunsplit` writes it.
    base = (
        f"{scheme}://{netloc}{path}"
        if scheme and netloc
        else str(url.replace(query="", fragment=""))
    )
    prefix = f"{base}?{kept}&" if kept else f"{base}?"
    size = f"&{size_param}={page.size}" + (f"#{fragment}" if fragment else "")

    def link(number: int, rel: str) -> str:
        return f'<{prefix}{page_param}={number}{size}>; rel="{rel}"'

    links = [link(1, "first")]
    if page.number > 1:
        links.append(link(min(page.number - 1, last), "prev"))
    if page.number < last:
        links.append(link(page.number + 1, "next"))
    links.append(link(last, "last"))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


# async: a plain def would be run in the thread pool, a costly hop for no blocking work.
async def page_query(
    request: Request,
    page: Annotated[int | None, Query(ge=1, description="Page number, from 1")] = None,
    per_page: Annotated[
        int | None,
        Query(ge=1, description="Page size, up to the service's `max_page_size` (100 unless set)"),
    ] = None,
    json_server_page: Annotated[
        int | None, Query(alias="_page", ge=1, description="json-server's name for `page`")
    ] = None,
    json_server_limit: Annotated[
        int | None, Query(alias="_limit", ge=1, description="json-server's name for `per_page`")
    ] = None,
) -> Page:
    """`page`/`per_page`, or json-server's `_page`/`_limit`; sizes from the app's settings.

    Anything that is not a whole number from 1 (and up to `max_page_size` for the size) is a
    400 naming the parameter; a page past the end is simply empty.
    """
    settings: KitSettings = request.app.state.settings
    size = per_page or json_server_limit or settings.default_page_size
    if size > settings.max_page_size:
        parameter = "per_page" if per_page is not None else "_limit"
        raise BadRequest(
            errors=[FieldError(parameter, f"must be at most {settings.max_page_size}")]
        )
    return Page(number=page or json_server_page or 1, size=size)


PageDep = Annotated[Page, Depends(page_query)]
