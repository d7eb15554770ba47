"""Whether a user exists: asked of the auth service, remembered when the answer is yes."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict

import httpx

from switchkit.problems import ServiceUnavailable

__all__ = ["UserDirectory"]

log = logging.getLogger("chat.directory")
REMEMBERED = 10_000


class UserDirectory:
    """Asks `GET /auth/users/{id}` with the caller's own token (any signed-in user may).

    Users are never deleted, so a "yes" is remembered (bounded, least recently used out);
    a "no" is not, as the user may sign up a moment later.
    """

    def __init__(self, *, auth_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=3.0)
        self._known: OrderedDict[uuid.UUID, None] = OrderedDict()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def exists(self, user_id: uuid.UUID, *, token: str) -> bool:
        if user_id in self._known:
            self._known.move_to_end(user_id)
            return True
        try:
            response = await self.client.get(
                f"{self.auth_url}/auth/users/{user_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            log.error("auth service unreachable", extra={"error": repr(exc)})
            raise ServiceUnavailable("Cannot check the recipient right now; retry.") from exc
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            log.error("unexpected answer from auth", extra={"status": response.status_code})
            raise ServiceUnavailable("Cannot check the recipient right now; retry.")
        self._known[user_id] = None
        if len(self._known) > REMEMBERED:
            self._known.popitem(last=False)
        return True
