"""The machine a benchmark ran on, and the commit it measured."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path

from harness.console import ROOT

__all__ = ["commit", "first_line", "machine"]


def first_line(argv: Sequence[str]) -> str:
    """The first line a command prints ("not found" when it cannot run)."""
    try:
        done = subprocess.run(  # noqa: S603 (fixed programs)
            list(argv), capture_output=True, text=True, timeout=20, check=False, cwd=ROOT
        )
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def commit() -> str:
    """The short commit, and `+changes` when the work tree differs from it."""
    short = first_line(["git", "rev-parse", "--short", "HEAD"])
    dirty = first_line(["git", "status", "--porcelain", "--untracked-files=no"])
    return f"{short}+changes" if dirty not in ("unknown", "not found") else short


def machine() -> dict[str, str]:
    """CPUs, memory, system and the versions of what the suite runs on."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    os_name = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    traefik = ROOT / ".venv" / "bin" / "traefik"
    return {
        "cpus": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": f"{os_name}, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wrk": first_line(["wrk", "-v"]).split(" Copyright")[0],
        "traefik": first_line([str(traefik), "version"]).split()[-1],
        "postgres": first_line(["sh", "-c", "postgres --version || psql --version"]),
        "redis": first_line(["redis-server", "--version"]),
    }
