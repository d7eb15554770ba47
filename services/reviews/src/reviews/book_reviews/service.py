"""The reviews logic: a book's reviews newest first; adding, changing, removing one's own."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reviews.book_reviews.exceptions import AlreadyReviewed, NotYourReview, ReviewNotFound
from reviews.book_reviews.feed import ReviewFeed
from reviews.book_reviews.models import Review
from reviews.book_reviews.schemas import ReviewIn, ReviewOut
from reviews.books.models import Book
from switchkit.db import add_unique, after_commit
from switchkit.identity import Identity
from switchkit.pages import PageStore

__all__ = ["create", "delete", "get", "list_after", "list_newest_first", "replace"]

REPLAY_LIMIT = 1000

log = logging.getLogger("reviews.reviews")


async def list_newest_first(
    *, session: AsyncSession, book_id: int, before: int | None, limit: int
) -> tuple[list[Review], bool]:
    """One page, newest first, older than review `before`; and whether older ones remain."""
    query = select(Review).where(Review.book_id == book_id)
    if before is not None:
        query = query.where(Review.id < before)
    rows = list(
        (await session.execute(query.order_by(Review.id.desc()).limit(limit + 1))).scalars()
    )
    return rows[:limit], len(rows) > limit


async def list_after(*, session: AsyncSession, book_id: int, after: int) -> list[Review]:
    """Reviews newer than review `after`, oldest first: what a reconnecting stream missed."""
    query = (
        select(Review)
        .where(Review.book_id == book_id, Review.id > after)
        .order_by(Review.id)
        .limit(REPLAY_LIMIT)
    )
    return list((await session.execute(query)).scalars())


async def get(*, session: AsyncSession, book_id: int, review_id: int) -> Review:
    review = await session.get(Review, review_id)
    if review is None or review.book_id != book_id:
        raise ReviewNotFound(review_id)
    return review


async def _adjust_totals(session: AsyncSession, *, book_id: int, count: int, rating: int) -> None:
    # Arithmetic in the UPDATE itself, so concurrent reviews of one book never lose a count.
    await session.execute(
        update(Book)
        .where(Book.id == book_id)
        .values(review_count=Book.review_count + count, rating_sum=Book.rating_sum + rating)
    )


async def create(
    *,
    session: AsyncSession,
    pages: PageStore,
    feed: ReviewFeed,
    book_id: int,
    data: ReviewIn,
    author: Identity,
) -> Review:
    """One review per user per book: a second (or a concurrent twin) is a conflict naming it."""
    review = Review(
        book_id=book_id,
        user_id=author.user_id,
        username=author.username,
        rating=data.rating,
        text=data.text,
    )

    async def existing_review() -> int | None:
        query = select(Review.id).where(Review.book_id == book_id, Review.user_id == author.user_id)
        return (await session.execute(query)).scalar()

    await add_unique(session, review, find_existing=existing_review, conflict=AlreadyReviewed)
    await _adjust_totals(session, book_id=book_id, count=1, rating=data.rating)
    await session.refresh(review)
    after_commit(session, pages.invalidate)
    announcement = ReviewOut.of(review).model_dump(mode="json", by_alias=True)

    async def announce() -> None:
        await feed.announce(announcement)

    after_commit(session, announce)
    log.info(
        "review added",
        extra={"review_id": review.id, "book_id": book_id, "actor": str(author.user_id)},
    )
    return review


async def replace(
    *, session: AsyncSession, pages: PageStore, review: Review, data: ReviewIn, author: Identity
) -> Review:
    if review.user_id != author.user_id:
        raise NotYourReview
    await _adjust_totals(
        session, book_id=review.book_id, count=0, rating=data.rating - review.rating
    )
    review.rating = data.rating
    review.text = data.text
    review.updated_at = datetime.now(UTC)
    await session.flush()
    after_commit(session, pages.invalidate)
    log.info("review changed", extra={"review_id": review.id, "actor": str(author.user_id)})
    return review


async def delete(
    *, session: AsyncSession, pages: PageStore, review: Review, actor: Identity
) -> None:
    """Its author removes a review; so may an admin (moderation)."""
    if review.user_id != actor.user_id and not actor.has_any_role("admin"):
        raise NotYourReview
    await _adjust_totals(session, book_id=review.book_id, count=-1, rating=-review.rating)
    await session.delete(review)
    await session.flush()
    after_commit(session, pages.invalidate)
    log.info("review removed", extra={"review_id": review.id, "actor": str(actor.user_id)})
