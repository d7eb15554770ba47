"""Errors of the accounts domain."""

from __future__ import annotations

from switchkit.problems import BadRequest, Conflict, FieldError, NotFound

__all__ = ["CannotDropOwnAdmin", "UserNotFound", "UsernameTaken", "WeakPassword"]


class UsernameTaken(Conflict):
    def __init__(self, username: str) -> None:
        super().__init__(f"The username {username!r} is taken.")


class WeakPassword(BadRequest):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(errors=[FieldError("password", message) for message in problems])


class UserNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such user.")


class CannotDropOwnAdmin(Conflict):
    def __init__(self) -> None:
        super().__init__("An admin cannot remove their own admin role; ask another admin.")
