"""Password hashing (Argon2id, OWASP parameters) and the password policy."""

from __future__ import annotations

from functools import cache

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type

__all__ = ["hash_password", "password_problems", "verify_password"]

# OWASP's first Argon2id configuration: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

MIN_LENGTH = 10
MAX_LENGTH = 128
# The few passwords long enough to pass the length rule that attackers try first.
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0123456789",
        "qwertyuiop",
        "1q2w3e4r5t",
        "password12",
        "password123",
        "password1234",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "administrator",
        "passw0rd123",
        "qwerty12345",
        "abcdefghij",
        "abc1234567",
        "switchboard",
    }
)


def password_problems(password: str, *, username: str) -> list[str]:
    """Why a password is refused (an empty list when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("must not contain the username")
    if lowered in _COMMON:
        problems.append("is too common")
    if len(set(password)) < 4:
        problems.append("must use more than a few different characters")
    return problems


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow; keep it off the event loop.
    return await to_thread.run_sync(_hasher.hash, password)


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password for unknown users")


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks a password; with no hash (unknown user) it spends the same time and fails."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _decoy_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await to_thread.run_sync(verify)
