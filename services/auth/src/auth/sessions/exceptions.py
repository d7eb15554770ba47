"""Errors of the sessions domain."""

from __future__ import annotations

from switchkit.problems import ServiceUnavailable, TooManyRequests, Unauthorized

__all__ = [
    "BadCredentials",
    "InvalidRefreshToken",
    "RevocationListUnavailable",
    "SessionRevoked",
    "TooManySigninFailures",
]


class BadCredentials(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The username or password is wrong.")


class InvalidRefreshToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The refresh token is not valid.", error="invalid_token")


class SessionRevoked(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The session has ended; sign in again.", error="invalid_token")


class TooManySigninFailures(TooManyRequests):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this user from this client; wait and try again.",
            retry_after=retry_after,
        )


class RevocationListUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__("Token revocation cannot be checked right now; try again shortly.")
