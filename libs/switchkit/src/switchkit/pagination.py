"""Page-number pagination: query parameters, `X-Total-Count` and RFC 8288 `Link` headers."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import URL

__all__ = ["Page", "page_headers"]


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
    """`X-Total-Count` and a `Link` with first/prev/next/last relative to the request URL."""
    last = max(1, -(-total // page.size))

    def link(number: int, rel: str) -> str:
        target = url.include_query_params(**{page_param: number, size_param: page.size})
        return f'<{target}>; rel="{rel}"'

    links = [link(1, "first")]
    if page.number > 1:
        links.append(link(min(page.number - 1, last), "prev"))
    if page.number < last:
        links.append(link(page.number + 1, "next"))
    links.append(link(last, "last"))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}
