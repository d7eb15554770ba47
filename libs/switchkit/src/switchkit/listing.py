"""List queries as json-server 0.17 reads them, plus page/per_page: the whole query string at once.

A list route declares its `Listing` (the fields a client may filter and sort by, as the
contract names them) and takes a `ListQuery` from it as its one dependency:

    DIDS = Listing(fields={"id": ListField(Did.id, parse=whole_number, ordered=True), ...})
    DidQuery = Annotated[ListQuery, Depends(DIDS)]

The parameters, as json-server 0.17.4's README documents them for a list:

- pages: `page`/`per_page`, or json-server's `_page`/`_limit` (10 a page when `_page` comes
  without `_limit`, as json-server does); without any window parameter, the first page of the
  app's `default_page_size`. `Link` (first/prev/next/last) names the page parameters as the
  request did.
- slices: `_start`/`_end` (Array.slice: `_start` inclusive, `_end` exclusive) or
  `_start`/`_limit`; `_limit` without a page is such a slice from 0. No `Link`: a slice is
  not a page.
- sorting: `sort=-a,b` or json-server's `_sort=a,b&_order=desc,asc`; rows that tie are in
  `tiebreak` order, so no row moves between pages.
- filters: `field=x` (repeated: any of them), `field_ne=x` (repeated: none of them),
  `field_gte`/`field_lte` (fields declared `ordered`), `field_like=text` (contains, ignoring
  case; repeated: any); `q`, the `_like` of the field the listing names as its search.
- `X-Total-Count` on every answer (json-server sends it whenever it slices, and a list here
  always does).

Every bad value is one 400 problem naming each bad parameter. Other parameters are ignored,
as json-server ignores names that are no field (`access_token`, `_`, `callback`, `_embed`...);
an operator on a name that is no field is a 400, since ignoring it would answer rows the
client meant to exclude.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from sqlalchemy import ColumnElement, Select, String, Text, and_, cast, or_
from starlette.datastructures import URL
from starlette.requests import Request

from switchkit.pagination import Page, page_headers
from switchkit.problems import BadRequest, FieldError
from switchkit.settings import KitSettings

__all__ = [
    "JSON_SERVER_PAGE_SIZE",
    "LIST_HEADERS",
    "FieldFilter",
    "ListField",
    "ListQuery",
    "Listing",
    "Window",
    "whole_number",
]

JSON_SERVER_PAGE_SIZE = 10
"""Rows in a `_page` that names no `_limit`, as json-server answers."""
LIST_HEADERS: dict[str, dict[str, Any]] = {
    "X-Total-Count": {
        "description": "How many rows match the filters, over every page",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": "RFC 8288 links to the first, previous, next and last pages, in the "
        "page parameters the request used (not sent for a `_start`/`_end`/`_limit` slice)",
        "schema": {"type": "string"},
    },
}
"""The OpenAPI `headers` of a list's 200."""
MAX_WHOLE_NUMBER = 2**31 - 1
OPERATORS = ("_gte", "_lte", "_ne", "_like")
EQUALS = ""
_PAGE_NAMES = ("page", "_page")
_SIZE_NAMES = ("per_page", "_limit")
_SLICE_NAMES = ("_start", "_end")
_SINGLE = frozenset({*_PAGE_NAMES, *_SIZE_NAMES, *_SLICE_NAMES, "sort", "_sort", "_order", "q"})

StatementT = TypeVar("StatementT", bound=Select[*tuple[Any, ...]])


def whole_number(text: str) -> int:
    """A query value that must be a whole number from 0 (ValueError otherwise)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError("must be a whole number")
    number = int(text)
    if number > MAX_WHOLE_NUMBER:
        raise ValueError(f"must be at most {MAX_WHOLE_NUMBER}")
    return number


def _same_text(text: str) -> str:
    return text


def _canonical(value: Any) -> str:
    # 1.5 and 1.50 are one bound, and one cache key.
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class ListField:
    """A field of the list's rows a client may filter and sort by."""

    column: Any
    """The SQL expression behind the field (a mapped attribute or any column expression)."""
    parse: Callable[[str], Any] = _same_text
    """A query value as the column compares it; ValueError says what is wrong."""
    ordered: bool = False
    """Whether `_gte`/`_lte` compare it (numbers); sorting works on every field."""
    like_text: Callable[[str], str] = _same_text
    """What `_like` looks for, from the query value; ValueError says what is wrong."""
    like_column: Any = None
    """The text `_like` searches; the column as text unless given."""
    max_length: int = 64
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    """The OpenAPI schema of one value."""


@dataclass(frozen=True)
class FieldFilter:
    """`field` `operator` (`""` for equals, `_ne`, `_gte`, `_lte`, `_like`) one of `values`."""

    field: str
    operator: str
    values: tuple[Any, ...]

    def sort_key(self) -> tuple[str, str, list[str]]:
        return self.field, self.operator, [_canonical(v) for v in self.values]


@dataclass(frozen=True)
class ListQuery:
    """A validated list query: the window, the order and the filters, in canonical form."""

    listing: Listing
    window: Window
    sort: tuple[tuple[str, bool], ...]
    """(field, descending), aliases resolved, nothing after the tiebreak field."""
    filters: tuple[FieldFilter, ...]

    @property
    def offset(self) -> int:
        return self.window.offset

    @property
    def limit(self) -> int:
        return self.window.limit

    @property
    def page(self) -> Page | None:
        """The page asked for, when the request pages (a slice has none, and no `Link`)."""
        return self.window.page

    @cached_property
    def key(self) -> str:
        """The same text for every query asking for the same rows (a page cache's key)."""
        filters = [f.sort_key() for f in self.filters]
        return json.dumps([self.offset, self.limit, self.sort, filters], ensure_ascii=False)

    def where(self, statement: StatementT) -> StatementT:
        """`statement` with the filters (for the count)."""
        return statement.where(*self._conditions())

    def rows(self, statement: StatementT) -> StatementT:
        """`statement` filtered, ordered (then by the tiebreak) and cut to the window."""
        fields = self.listing.fields
        order = [
            fields[name].column.desc() if descending else fields[name].column
            for name, descending in self.sort
        ]
        tiebreak = fields[self.listing.tiebreak].column
        return (
            self.where(statement).order_by(*order, tiebreak).offset(self.offset).limit(self.limit)
        )

    def headers(self, *, url: URL, total: int) -> dict[str, str]:
        """`X-Total-Count`, and `Link` when the request pages (a new dict, for the caller to
        add to)."""
        window = self.window
        if window.page is None:
            return {"X-Total-Count": str(total)}
        # The links depend on nothing but the URL and the total: a table asks for the same few.
        memo = self.listing._links
        text = str(url)
        headers = memo.get((text, total))
        if headers is None:
            headers = page_headers(
                url=url,
                page=window.page,
                total=total,
                page_param=window.page_param,
                size_param=window.size_param,
            )
            memo.put((text, total), headers)
        return dict(headers)

    def _conditions(self) -> list[ColumnElement[bool]]:
        return [self.listing.condition(f) for f in self.filters]


KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class _Memo(Generic[KeyT, ValueT]):
    """A bounded memo of a pure function's answers; the oldest make way."""

    def __init__(self, size: int) -> None:
        self._entries: dict[KeyT, ValueT] = {}
        self._size = size

    def get(self, key: KeyT) -> ValueT | None:
        return self._entries.get(key)

    def put(self, key: KeyT, value: ValueT) -> None:
        if len(self._entries) >= self._size:
            if self._size <= 0:
                return
            del self._entries[next(iter(self._entries))]
        self._entries[key] = value


class _Errors:
    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def add(self, parameter: str, message: str) -> None:
        self.found.append(FieldError(parameter, message))


# eq=False: hashed by identity, as FastAPI caches a dependency's answer by the dependency.
@dataclass(frozen=True, eq=False)
class Listing:
    """What a list route may be asked for; as a dependency, the request's `ListQuery`."""

    fields: Mapping[str, ListField]
    """By the names the contract gives them."""
    tiebreak: str = "id"
    """A unique field: the last sort key of every query."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other names accepted for a field (`monthlyPrice` for `monthyPrice`)."""
    search: str | None = None
    """The field whose `_like` `q` is; without one, `q` is a 400."""
    sort_example: str | None = None
    """A `sort` for the OpenAPI document."""
    memo_size: int = 4096
    """Query strings (and links) remembered: what a query string means never changes while
    the process runs, and a table asks for the same few again and again."""
    _queries: _Memo[tuple[bytes, int, int], ListQuery] = field(init=False, repr=False)
    _links: _Memo[tuple[str, int], dict[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_queries", _Memo(self.memo_size))
        object.__setattr__(self, "_links", _Memo(self.memo_size))

    async def __call__(self, request: Request) -> ListQuery:
        settings: KitSettings = request.app.state.settings
        raw: bytes = request.scope["query_string"]
        key = (raw, settings.default_page_size, settings.max_page_size)
        query = self._queries.get(key)
        if query is None:
            query = self.parse(
                raw.decode("latin-1"),
                default_size=settings.default_page_size,
                max_size=settings.max_page_size,
            )
            self._queries.put(key, query)
        return query

    def parse(self, query_string: str, *, default_size: int, max_size: int) -> ListQuery:
        """The query a query string asks for; `BadRequest` naming every bad parameter."""
        errors = _Errors()
        single: dict[str, str] = {}
        filters: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            if name in _SINGLE:
                if name in single:
                    errors.add(name, "give it once")
                # Blank is absent, as json-server reads `_sort=` or `_page=`.
                elif value:
                    single[name] = value
                continue
            target = self._filter_target(name, errors)
            if target is not None:
                filters.setdefault(target, []).append((name, value))
        parsed = [self._filter(key, values, errors) for key, values in filters.items()]
        if "q" in single:
            if self.search is None:
                errors.add("q", "this list has no search")
            else:
                parsed.append(self._filter((self.search, "_like"), [("q", single["q"])], errors))
        window = _window(single, errors, default_size=default_size, max_size=max_size)
        sort = self._sort(single, errors)
        if errors.found or window is None or sort is None:
            raise BadRequest(errors=errors.found)
        return ListQuery(
            listing=self,
            window=window,
            sort=sort,
            # Canonical: the same filters in any order are the same query (and cache key).
            filters=tuple(sorted((f for f in parsed if f is not None), key=FieldFilter.sort_key)),
        )

    def condition(self, query_filter: FieldFilter) -> ColumnElement[bool]:
        spec = self.fields[query_filter.field]
        column, values = spec.column, query_filter.values
        match query_filter.operator:
            case "_ne":
                return and_(*(column != v for v in values))
            case "_gte":
                return or_(*(column >= v for v in values))
            case "_lte":
                return or_(*(column <= v for v in values))
            case "_like":
                text = spec.like_column
                if text is None:
                    text = column if isinstance(column.type, String) else cast(column, Text)
                return or_(*(text.icontains(v, autoescape=True) for v in values))
            case _:
                return or_(*(column == v for v in values))

    def openapi_parameters(self) -> list[dict[str, Any]]:
        """The query parameters as OpenAPI documents them (the route's `openapi_extra`)."""
        whole = {"type": "integer", "minimum": 1}
        from_zero = {"type": "integer", "minimum": 0}
        sortable = ", ".join(self.fields)
        parameters = [
            _parameter("page", whole, "Page number, from 1"),
            _parameter("per_page", whole, "Page size, up to the service's `max_page_size`"),
            _parameter(
                "_page", whole, f"json-server's `page` ({JSON_SERVER_PAGE_SIZE} a page by default)"
            ),
            _parameter(
                "_limit", whole, "json-server's `per_page` with a page; else the slice's size"
            ),
            _parameter("_start", from_zero, "First row of a slice, from 0 (json-server)"),
            _parameter("_end", from_zero, "Row after the last of a slice (json-server)"),
            _parameter(
                "sort",
                {"type": "string"},
                f"Comma-separated fields, `-` for descending: {sortable}",
                example=self.sort_example,
            ),
            _parameter("_sort", {"type": "string"}, "json-server's sort field(s), comma-separated"),
            _parameter(
                "_order", {"type": "string"}, "json-server's `asc`/`desc`, one per `_sort` field"
            ),
        ]
        if self.search is not None:
            parameters.append(
                _parameter("q", {"type": "string"}, f"Search: the same as `{self.search}_like`")
            )
        for name, spec in self.fields.items():
            values = {"type": "array", "items": dict(spec.schema)}
            parameters.append(_parameter(name, values, "Equal to one of these (repeat for more)"))
            parameters.append(_parameter(f"{name}_ne", values, "Equal to none of these"))
            if spec.ordered:
                parameters.append(_parameter(f"{name}_gte", dict(spec.schema), "At least this"))
                parameters.append(_parameter(f"{name}_lte", dict(spec.schema), "At most this"))
            parameters.append(
                _parameter(
                    f"{name}_like",
                    {"type": "array", "items": {"type": "string"}},
                    "Contains this text, ignoring case (a plain text, not a regular expression)",
                )
            )
        return parameters

    def _filter_target(self, name: str, errors: _Errors) -> tuple[str, str] | None:
        base, operator = name, EQUALS
        for suffix in OPERATORS:
            if name.endswith(suffix):
                base, operator = name.removesuffix(suffix), suffix
                break
        base = self.aliases.get(base, base)
        if base in self.fields:
            spec = self.fields[base]
            if operator in ("_gte", "_lte") and not spec.ordered:
                ordered = ", ".join(n for n, f in self.fields.items() if f.ordered)
                errors.add(name, f"{base} has no range; {operator} works on {ordered}")
                return None
            return base, operator
        if operator:
            errors.add(name, f"no field {base!r} to filter on; use one of {', '.join(self.fields)}")
        return None

    def _filter(
        self, key: tuple[str, str], given: Sequence[tuple[str, str]], errors: _Errors
    ) -> FieldFilter | None:
        """One filter from the values given for it, each with the parameter it came as."""
        name, operator = key
        spec = self.fields[name]
        values: set[Any] = set()
        for parameter, text in given:
            if len(text) > spec.max_length:
                errors.add(parameter, f"must be at most {spec.max_length} characters")
                continue
            try:
                if operator == "_like":
                    values.add(spec.like_text(text).lower())
                else:
                    values.add(spec.parse(text))
            except ValueError as exc:
                errors.add(parameter, str(exc))
        if not values:
            return None
        if operator == "_gte":
            ordered: tuple[Any, ...] = (min(values),)  # any of several lower bounds: the least
        elif operator == "_lte":
            ordered = (max(values),)
        else:
            ordered = tuple(sorted(values))
        return FieldFilter(field=name, operator=operator, values=ordered)

    def _sort(
        self, single: Mapping[str, str], errors: _Errors
    ) -> tuple[tuple[str, bool], ...] | None:
        asked = _sort_keys(single, errors)
        if asked is None:
            return None
        parameter, keys = asked
        canonical: list[tuple[str, bool]] = []
        for name, descending in keys:
            field_name = self.aliases.get(name, name)
            if field_name not in self.fields:
                fields = ", ".join(self.fields)
                errors.add(parameter, f"cannot sort by {name!r}; use one of {fields}")
                return None
            if all(field_name != seen for seen, _ in canonical):
                canonical.append((field_name, descending))
            if field_name == self.tiebreak:
                break  # unique: what follows cannot change the order
        if canonical == [(self.tiebreak, False)]:
            return ()  # the order every query ends with anyway
        return tuple(canonical)


@dataclass(frozen=True)
class Window:
    """The rows asked for; `page` when the request pages, with its parameters' names."""

    offset: int
    limit: int
    page: Page | None
    page_param: str = "page"
    size_param: str = "per_page"


def _whole_numbers(single: Mapping[str, str], errors: _Errors) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for name in (*_PAGE_NAMES, *_SIZE_NAMES, *_SLICE_NAMES):
        if name in single:
            try:
                numbers[name] = whole_number(single[name])
            except ValueError as exc:
                errors.add(name, str(exc))
            else:
                if numbers[name] < 1 and name not in _SLICE_NAMES:
                    errors.add(name, "must be at least 1")
    return numbers


def _window(
    single: Mapping[str, str], errors: _Errors, *, default_size: int, max_size: int
) -> Window | None:
    """The rows asked for: a page (also when nothing is asked) or a slice."""
    numbers = _whole_numbers(single, errors)
    for names in (_PAGE_NAMES, _SIZE_NAMES):
        if all(name in single for name in names):
            errors.add(names[1], f"give {names[0]} or {names[1]}, not both")
    paging = any(name in single for name in ("page", "_page", "per_page"))
    if paging:
        for name in _SLICE_NAMES:
            if name in single:
                errors.add(name, "a slice cannot be combined with page, _page or per_page")
    elif "_end" in single and "_limit" in single:
        errors.add("_limit", "give _end or _limit, not both")
    if errors.found:
        return None
    if paging or not any(name in single for name in ("_start", "_end", "_limit")):
        return _page_window(numbers, errors, default_size=default_size, max_size=max_size)
    return _slice_window(numbers, errors, default_size=default_size, max_size=max_size)


def _page_window(
    numbers: Mapping[str, int], errors: _Errors, *, default_size: int, max_size: int
) -> Window | None:
    page_param = "_page" if "_page" in numbers else "page"
    if "per_page" in numbers or "_limit" in numbers:
        size_param = "per_page" if "per_page" in numbers else "_limit"
        size = numbers[size_param]
    elif page_param == "_page":
        size_param, size = "_limit", min(JSON_SERVER_PAGE_SIZE, max_size)
    else:
        size_param, size = "per_page", default_size
    if size > max_size:
        errors.add(size_param, f"must be at most {max_size}")
        return None
    page = Page(number=numbers.get(page_param, 1), size=size)
    return Window(page.offset, size, page, page_param=page_param, size_param=size_param)


def _slice_window(
    numbers: Mapping[str, int], errors: _Errors, *, default_size: int, max_size: int
) -> Window | None:
    start = numbers.get("_start", 0)
    if "_end" in numbers:
        parameter, size = "_end", numbers["_end"] - start
        if size < 0:
            errors.add("_end", "must be at least _start")
            return None
    else:
        parameter, size = "_limit", numbers.get("_limit", default_size)
    if size > max_size:
        limit = f"_start + {max_size}" if parameter == "_end" else str(max_size)
        errors.add(parameter, f"must be at most {limit}")
        return None
    return Window(start, size, None)


def _sort_keys(
    single: Mapping[str, str], errors: _Errors
) -> tuple[str, list[tuple[str, bool]]] | None:
    """The parameter the sort came in and its (field, descending) keys, as written."""
    if "sort" in single and "_sort" in single:
        errors.add("_sort", "give sort or _sort, not both")
        return None
    if "sort" in single:
        parts = [part.strip() for part in single["sort"].split(",")]
        return "sort", [(part.lstrip("-+"), part.startswith("-")) for part in parts]
    if "_sort" not in single:
        if "_order" in single:
            errors.add("_order", "give _sort with it")
            return None
        return "sort", []
    names = [part.strip() for part in single["_sort"].split(",")]
    orders = [part.strip().lower() for part in single.get("_order", "").split(",") if part]
    if len(orders) > len(names) or any(order not in ("asc", "desc") for order in orders):
        errors.add("_order", "must be asc or desc, one per _sort field")
        return None
    orders += ["asc"] * (len(names) - len(orders))
    return "_sort", [(name, order == "desc") for name, order in zip(names, orders, strict=True)]


def _parameter(
    name: str, schema: Mapping[str, Any], description: str, *, example: str | None = None
) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": dict(schema),
    }
    if example is not None:
        parameter["example"] = example
    return parameter
