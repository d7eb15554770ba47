"""Which part of a message sequence a history request asks for, and the links around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute
from starlette.datastructures import URL

__all__ = ["Window", "WindowDep"]

MAX_LIMIT = 200
T = TypeVar("T")
R = TypeVar("R", bound=Any)


@dataclass(frozen=True)
class Window:
    """`after`: messages newer than that seq (oldest first); `before`: the newest messages
    older than that seq; neither: the newest messages. Always answered oldest first."""

    before: int | None
    after: int | None
    limit: int

    def apply(self, query: Select[R], seq: InstrumentedAttribute[int]) -> Select[R]:
        if self.after is not None:
            query = query.where(seq > self.after)
        if self.before is not None:
            query = query.where(seq < self.before)
        if self.after is not None:
            return query.order_by(seq).limit(self.limit)
        return query.order_by(seq.desc()).limit(self.limit)

    def oldest_first(self, rows: list[T]) -> list[T]:
        return rows if self.after is not None else rows[::-1]

    def links(self, url: URL, seqs: list[int]) -> dict[str, str]:
        if not seqs:
            return {}
        older = url.remove_query_params(["after", "before"]).include_query_params(
            before=seqs[0], limit=self.limit
        )
        newer = url.remove_query_params(["after", "before"]).include_query_params(
            after=seqs[-1], limit=self.limit
        )
        links = [f'<{newer}>; rel="next"']
        if seqs[0] > 1:
            links.insert(0, f'<{older}>; rel="prev"')
        return {"Link": ", ".join(links)}


def window(
    before: Annotated[
        int | None, Query(ge=1, description="Only messages with a smaller seq")
    ] = None,
    after: Annotated[int | None, Query(ge=0, description="Only messages with a larger seq")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many, at most")] = 50,
) -> Window:
    return Window(before=before, after=after, limit=limit)


WindowDep = Annotated[Window, Depends(window)]
