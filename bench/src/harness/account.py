"""The benchmark's user, and a fresh access token for each run."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx

from harness.console import BenchError

__all__ = ["Account"]


class Account:
    """A throw-away user kept in a file, so a later run signs it in again (and signs it up
    again on a database that does not know it)."""

    def __init__(self, gateway: str, path: Path) -> None:
        self.gateway = gateway
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            user = {"username": f"bench{secrets.token_hex(5)}", "password": secrets.token_hex(16)}
            path.write_text(json.dumps(user))
            path.chmod(0o600)
        self.credentials: dict[str, str] = json.loads(path.read_text())

    def token(self) -> str:
        """A new access token (valid 15 minutes: take one per run)."""
        with httpx.Client(base_url=self.gateway, timeout=30.0) as client:
            response = client.post("/auth/signin", json=self.credentials)
            if response.status_code == 401:
                body = {**self.credentials, "displayName": "Bench"}
                created = client.post("/auth/signup", json=body)
                if created.status_code != 201:
                    raise BenchError(f"sign-up failed: {created.status_code} {created.text}")
                response = client.post("/auth/signin", json=self.credentials)
            if response.status_code != 200:
                raise BenchError(f"sign-in failed: {response.status_code} {response.text}")
            return str(response.json()["accessToken"])
