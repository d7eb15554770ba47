"""Errors of the books domain."""

from __future__ import annotations

from typing import Any

from switchkit.problems import Conflict, NotFound

__all__ = ["BookNotFound", "DuplicateIsbn"]


class BookNotFound(NotFound):
    def __init__(self, book_id: int) -> None:
        super().__init__(f"No book with id {book_id}.")


class DuplicateIsbn(Conflict):
    def __init__(self, *, isbn: str, existing_id: int, title: str) -> None:
        super().__init__(f"ISBN {isbn} is already book {existing_id} ({title}).")
        self.existing_id = existing_id

    def extensions(self) -> dict[str, Any]:
        return {"existingId": self.existing_id}
