"""Route dependencies of the reviews domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from reviews.book_reviews import service
from reviews.book_reviews.feed import ReviewFeed
from reviews.book_reviews.models import Review
from reviews.books.dependencies import ValidBook
from switchkit.db import SessionDep

__all__ = ["FeedDep", "ValidReview"]

ReviewId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The review's id")]


async def valid_review(book: ValidBook, review_id: ReviewId, session: SessionDep) -> Review:
    return await service.get(session=session, book_id=book.id, review_id=review_id)


ValidReview = Annotated[Review, Depends(valid_review)]


def review_feed(request: Request) -> ReviewFeed:
    feed: ReviewFeed = request.app.state.review_feed
    return feed


FeedDep = Annotated[ReviewFeed, Depends(review_feed)]
