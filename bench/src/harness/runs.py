"""A measured run (a load's figures with the CPU each process spent), and medians of rounds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.cpu import Spent
from harness.load import LoadResult

__all__ = ["Run", "cpu_ms_per_request", "median", "median_run", "run_of"]

_SHOWN_MS = 0.005
"""CPU shares under this many ms per request are left out of a run's breakdown."""


@dataclass(frozen=True, kw_only=True)
class Run:
    """One measured run of one target."""

    target: str
    round: int
    command: str
    requests: int
    seconds: float
    requests_per_second: float
    bytes_per_request: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    other_load_cores: float = 0.0
    """Cores other processes kept busy during the run."""
    disturbed: bool = False
    """Other processes used more than the guard allows during the run."""
    busy_machine: bool = False
    """The machine was not quiet when the run started, and it was measured anyway."""

    @property
    def valid(self) -> bool:
        """Requests were answered, none with an error."""
        return self.requests > 0 and not any(self.errors.values())

    @property
    def cpu_ms_total(self) -> float:
        return sum(self.cpu_ms_per_request.values())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Run:
        return cls(**data)


def cpu_ms_per_request(per_label: Mapping[str, float], requests: int) -> dict[str, float]:
    """CPU seconds per process group -> milliseconds per request, the negligible left out."""
    if requests <= 0:
        return {}
    shares = {label: 1000 * used / requests for label, used in sorted(per_label.items())}
    return {label: round(ms, 3) for label, ms in shares.items() if ms >= _SHOWN_MS}


def run_of(
    result: LoadResult,
    spent: Spent,
    *,
    target: str,
    round_number: int,
    disturbed: bool,
    busy_machine: bool,
) -> Run:
    """A Run from a load's result and the CPU spent while it ran."""
    requests = result.requests
    return Run(
        target=target,
        round=round_number,
        command=result.command,
        requests=requests,
        seconds=round(result.seconds, 2),
        requests_per_second=round(requests / result.seconds, 1) if result.seconds > 0 else 0.0,
        bytes_per_request=round(result.bytes / requests, 1) if requests else 0.0,
        p50_ms=result.p50_ms,
        p90_ms=result.p90_ms,
        p99_ms=result.p99_ms,
        mean_ms=result.mean_ms,
        max_ms=result.max_ms,
        errors=dict(result.errors),
        counts=dict(result.counts),
        figures=dict(result.figures),
        cpu_ms_per_request=cpu_ms_per_request(spent.per_label, requests),
        other_load_cores=round(spent.other_load_cores, 2),
        disturbed=disturbed,
        busy_machine=busy_machine,
    )


def median(values: Iterable[float]) -> float:
    """The middle value; of an even count, the lower middle one (a value that was measured)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of nothing")
    return ordered[(len(ordered) - 1) // 2]


def median_run(runs: Sequence[Run]) -> Run:
    """The run with the median throughput, among the undisturbed ones if there are any."""
    if not runs:
        raise ValueError("no runs")
    pool = [run for run in runs if not run.disturbed] or list(runs)
    middle = median(run.requests_per_second for run in pool)
    return next(run for run in pool if run.requests_per_second == middle)
