"""What a load generator reports: a benchmark may bring its own, wrk is one of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Load", "LoadResult"]


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """One run of a load generator: what it sent, how long the answers took, what went wrong."""

    command: str
    """How to run it again by hand, secrets replaced by a variable name."""
    requests: int
    seconds: float
    bytes: int = 0
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    """Socket errors, timeouts and answers with a status >= 400, by kind."""
    counts: dict[str, int] = field(default_factory=dict)
    """Whatever the load counted in the answers (say, `X-Cache: HIT`)."""
    figures: dict[str, float] = field(default_factory=dict)
    """Other measures of a load of its own (connections held, messages delivered, ...)."""


Load = Callable[[float], LoadResult]
"""Runs the load for about that many seconds and reports it. wrk (`harness.wrk.WrkLoad`) is
one; a benchmark with other needs (SSE or WebSocket clients, a fixed arrival rate) passes its
own function. Its CPU counts as the load generator's when it runs in a child process, as
the harness's when it runs in this one."""
