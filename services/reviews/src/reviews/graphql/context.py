"""What every GraphQL resolver gets: the verified caller and the service's runtime parts."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from reviews.book_reviews.feed import ReviewFeed
from switchkit.db import Database
from switchkit.identity import Identity, identify
from switchkit.pages import PageStore

__all__ = ["Context", "context_for"]


@dataclass
class Context(BaseContext):
    identity: Identity
    database: Database
    pages: PageStore
    feed: ReviewFeed

    def __post_init__(self) -> None:
        super().__init__()


async def context_for(connection: HTTPConnection) -> Context:
    """Called for each HTTP request and each WebSocket; no valid token, no GraphQL (401).

    Browsers cannot set headers on a WebSocket: they pass `?access_token=`, which the gateway
    checked already and `identify` checks again.
    """
    state = connection.app.state
    return Context(
        identity=await identify(connection),
        database=state.database,
        pages=state.page_store,
        feed=state.review_feed,
    )
