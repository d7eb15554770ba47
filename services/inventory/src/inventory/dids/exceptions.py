"""Errors of the DID domain."""

from __future__ import annotations

from typing import Any

from switchkit.problems import Conflict, NotFound, PreconditionFailed

__all__ = ["DidNotFound", "DuplicateNumber", "StaleDid"]


class DidNotFound(NotFound):
    def __init__(self, did_id: int) -> None:
        super().__init__(f"No DID with id {did_id}.")


class DuplicateNumber(Conflict):
    def __init__(self, *, existing_id: int, value: str) -> None:
        super().__init__(f"{value} is already in the inventory as DID {existing_id}.")
        self.existing_id = existing_id

    def extensions(self) -> dict[str, Any]:
        return {"existingId": self.existing_id}


class StaleDid(PreconditionFailed):
    def __init__(self, current_etag: str) -> None:
        super().__init__(
            "The DID changed since you read it (If-Match does not match); read it again."
        )
        self.headers["ETag"] = current_etag
