"""Errors of the direct messages domain."""

from __future__ import annotations

import uuid

from switchkit.problems import NotFound

__all__ = ["DirectMessageNotFound", "UnknownRecipient"]


class UnknownRecipient(NotFound):
    def __init__(self, user_id: uuid.UUID) -> None:
        super().__init__(f"No user with id {user_id}.")


class DirectMessageNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such message.")
