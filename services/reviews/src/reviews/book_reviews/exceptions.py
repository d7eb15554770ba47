"""Errors of the reviews domain."""

from __future__ import annotations

from typing import Any

from switchkit.problems import Conflict, Forbidden, NotFound

__all__ = ["AlreadyReviewed", "NotYourReview", "ReviewNotFound"]


class ReviewNotFound(NotFound):
    def __init__(self, review_id: int) -> None:
        super().__init__(f"No review with id {review_id} on this book.")


class AlreadyReviewed(Conflict):
    def __init__(self, existing_id: int) -> None:
        super().__init__(
            f"You already reviewed this book (review {existing_id}); change it with PUT."
        )
        self.existing_id = existing_id

    def extensions(self) -> dict[str, Any]:
        return {"existingId": self.existing_id}


class NotYourReview(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only its author can change this review.")
