"""`GET /dids` with a query answered before: straight to the page, ahead of FastAPI's routing.

A table asks for the same few pages over and over, and for a page from memory FastAPI's
routing and the validation of ten query parameters cost more than the rest of the answer.
Once the route has validated a query string, the page it names is remembered by that exact
string (`ValidatedQueries`); the next request with the same string is answered by
`ListingShortcut` (switchkit.shortcut): the caller's token is checked exactly as the route
checks it, and the page comes from the same service function with the same headers. A query
never validated, or one that failed, always goes through the route.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from inventory.dids import service
from inventory.dids.pages import ListedPage, PageCache, PageKey
from switchkit.caching import CACHE_HEADER, CacheStatus
from switchkit.identity import identify
from switchkit.pagination import page_headers

__all__ = ["LIST_PATH", "ListingShortcut", "ValidatedQueries", "list_response"]

LIST_PATH = "/dids"
_KEY_IN_SCOPE = "inventory.page_key"


def list_response(*, listed: ListedPage, status: CacheStatus, url: URL, key: PageKey) -> Response:
    """The answer of `GET /dids`, by the route and by the shortcut alike."""
    headers = page_headers(url=url, page=key.page, total=listed.total)
    headers[CACHE_HEADER] = status
    return Response(listed.body, media_type="application/json", headers=headers)


class ValidatedQueries:
    """Query strings the route validated, with the page each names; the oldest make way.

    What a query string means never changes while the process runs (the page size limits
    are settings), so nothing here goes stale. Strings carrying a token are not kept.
    """

    def __init__(self, *, max_entries: int = 4096) -> None:
        self._keys: dict[bytes, PageKey] = {}
        self._max_entries = max_entries

    def get(self, query_string: bytes) -> PageKey | None:
        return self._keys.get(query_string)

    def remember(self, query_string: bytes, key: PageKey) -> None:
        if b"access_token" in query_string or query_string in self._keys:
            return
        if len(self._keys) >= self._max_entries:
            del self._keys[next(iter(self._keys))]
        self._keys[query_string] = key


class ListingShortcut:
    def __init__(self, *, route: APIRoute, queries: ValidatedQueries) -> None:
        self.route = route
        self.queries = queries

    def takes(self, scope: Scope) -> bool:
        if scope["path"] != LIST_PATH or scope["method"] != "GET":
            return False
        key = self.queries.get(scope["query_string"])
        if key is None:
            return False
        # Kept with the request: the memo may let the string go before `answer` runs.
        scope[_KEY_IN_SCOPE] = key
        return True

    async def answer(self, request: Request) -> Response:
        key: PageKey = request.scope[_KEY_IN_SCOPE]
        await identify(request)  # any signed-in user may read; 401 problems as on the route
        pages: PageCache = request.app.state.page_cache
        listed, status = await service.listed_page(
            database=request.app.state.database, pages=pages, key=key
        )
        return list_response(listed=listed, status=status, url=request.url, key=key)
