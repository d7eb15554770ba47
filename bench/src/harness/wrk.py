"""wrk as a load: GET a path cycling over its pages, with the harness's Lua script.

wrk (Debian's package) is written in C on epoll and spends a few hundredths of a
millisecond of CPU per request, which matters when it shares two cores with what it measures.
It is closed-loop: every connection waits for its answer before sending again, so latencies
are measured at saturation.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.console import ROOT, BenchError, shown_path
from harness.load import LoadResult

__all__ = ["PAGES_LUA", "WrkLoad", "parse_summary", "result_of"]

PAGES_LUA = Path(__file__).resolve().with_name("pages.lua")
_SUMMARY = re.compile(r"^WRK_SUMMARY (\{.*\})$", re.MULTILINE)
_TOKEN_SHOWN = "$TOKEN"  # noqa: S105 (the name the report shows instead of the token)


def parse_summary(stdout: str) -> dict[str, Any]:
    """The JSON line pages.lua writes after wrk's own report."""
    match = _SUMMARY.search(stdout)
    if match is None:
        raise BenchError(f"no WRK_SUMMARY line in wrk's output:\n{stdout}")
    summary: dict[str, Any] = json.loads(match.group(1))
    return summary


def result_of(summary: dict[str, Any], *, command: str) -> LoadResult:
    """A LoadResult from pages.lua's summary (microseconds become milliseconds)."""
    latency = summary["latency_us"]
    return LoadResult(
        command=command,
        requests=int(summary["requests"]),
        seconds=summary["duration_us"] / 1e6,
        bytes=int(summary["bytes"]),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        mean_ms=round(latency["mean"] / 1000, 3),
        max_ms=latency["max"] / 1000,
        errors={kind: int(n) for kind, n in summary["errors"].items()},
        counts={key: int(n) for key, n in summary.get("counts", {}).items()},
    )


@dataclass(frozen=True, kw_only=True)
class WrkLoad:
    """A Load: `wrk` with pages.lua against `url`, `path` with `%d` for the page number."""

    url: str
    path: str
    pages: int = 1
    connections: int
    threads: int
    token: Callable[[], str] | None = None
    """Called before every run: a fresh token each time, so none expires mid-benchmark."""
    close: bool = False
    """A new connection per request (`Connection: close`)."""
    count_header: str | None = None
    """Count the answers by this header's value (costs wrk some CPU per response)."""
    timeout: str = "10s"
    script: Path = PAGES_LUA

    def argv(self, seconds: float, *, token: str) -> list[str]:
        """wrk's command line for a run of `seconds` (rounded up to whole seconds)."""
        argv = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, math.ceil(seconds))}s",
            "--timeout",
            self.timeout,
            "--latency",
            "-s",
            shown_path(self.script),
            self.url,
            "--",
            self.path,
            str(self.pages),
            token,
        ]
        return [*argv, "close"] if self.close else argv

    def shown(self, seconds: float) -> str:
        """The command as the report prints it: the token as a shell variable."""
        env = f"WRK_COUNT_HEADER={shlex.quote(self.count_header)} " if self.count_header else ""
        token = _TOKEN_SHOWN if self.token is not None else ""
        argv = self.argv(seconds, token=token)
        if self.token is None and not self.close:
            argv = argv[:-1]  # the empty token is the last argument: leave it out
        line = shlex.join(argv).replace(shlex.quote(_TOKEN_SHOWN), f'"{_TOKEN_SHOWN}"')
        return env + line

    def __call__(self, seconds: float) -> LoadResult:
        token = self.token() if self.token is not None else ""
        env = dict(os.environ)
        env.pop("WRK_COUNT_HEADER", None)
        if self.count_header:
            env["WRK_COUNT_HEADER"] = self.count_header
        try:
            done = subprocess.run(  # noqa: S603 (our own argv)
                self.argv(seconds, token=token),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=False,
            )
        except FileNotFoundError as exc:
            raise BenchError("wrk not found: install it (apt-get install wrk)") from exc
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return result_of(parse_summary(done.stdout), command=self.shown(seconds))
