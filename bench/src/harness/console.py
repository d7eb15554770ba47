"""What the harness says to the person running a benchmark, and the error that stops one."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["ROOT", "BenchError", "say", "shown_path"]

ROOT = Path(__file__).resolve().parents[3]
"""The repository (the harness is installed editable from bench/src/harness)."""


class BenchError(Exception):
    """Something that stops the benchmark, with a message for the person running it."""


def say(message: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def shown_path(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return str(path.absolute().relative_to(ROOT))
    except ValueError:
        return str(path)
