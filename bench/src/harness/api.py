"""What a benchmark does through the API before loading it: fill a list, wait for a header."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx

from harness.console import BenchError, say

__all__ = ["fill", "total", "wait_for_header"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def total(gateway: str, path: str, *, token: str) -> int:
    """A list's X-Total-Count."""
    response = httpx.get(
        f"{gateway}{path}", params={"per_page": 1}, headers=_bearer(token), timeout=10.0
    )
    response.raise_for_status()
    return int(response.headers["x-total-count"])


async def _post_all(
    gateway: str, path: str, token: str, bodies: list[dict[str, Any]], parallel: int
) -> None:
    pending = iter(bodies)

    async def worker(client: httpx.AsyncClient) -> None:
        for body in pending:
            response = await client.post(path, json=body, headers=_bearer(token))
            if response.status_code != 201:
                raise BenchError(f"POST {path}: {response.status_code} {response.text}")

    async with httpx.AsyncClient(base_url=gateway, timeout=10.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(parallel)))


def fill(
    gateway: str,
    path: str,
    *,
    token: str,
    wanted: int,
    body: Callable[[int], dict[str, Any]],
    parallel: int = 8,
) -> int:
    """POST `body(n)` to the list until it holds `wanted` items (`parallel` at a time); how
    many it holds then. A database that has them already is left as it is."""
    have = total(gateway, path, token=token)
    if have < wanted:
        say(f"adding {wanted - have} items to {path} through the API (there are {have})")
        started = time.monotonic()
        bodies = [body(n) for n in itertools.islice(itertools.count(have), wanted - have)]
        asyncio.run(_post_all(gateway, path, token, bodies, parallel))
        say(f"added in {time.monotonic() - started:.1f} s")
    return total(gateway, path, token=token)


def wait_for_header(
    url: str, *, token: str, header: str, value: str, timeout: float = 10.0
) -> httpx.Response:
    """GET `url` until `header` says `value` (a cache filled by the first read, a listener
    that connects a moment after start-up); the answer that did."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        response = httpx.get(url, headers=_bearer(token), timeout=10.0)
        response.raise_for_status()
        seen.append(response.headers.get(header, "(none)"))
        if seen[-1] == value:
            return response
        if time.monotonic() > deadline:
            raise BenchError(f"GET {url}: {header} {seen[-3:]}, expected {value}")
        time.sleep(0.1)
