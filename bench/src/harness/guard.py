"""The quiet-machine guard: measure only while other work leaves the machine alone.

On a shared machine another program's burst of CPU lowers a run's throughput by as much as
any change being measured. Before each measured run the guard waits (a bounded time) for other
processes to use under `quiet_cores`; if they do not, it refuses to measure, unless told to
measure anyway (`allow_busy`: the runs are then marked, and the report says so). After a run
during which others used over `noisy_cores` it asks for the run again, `retries` times at most;
a run still disturbed then is kept and marked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from harness.console import BenchError, say

__all__ = ["Guard", "Verdict"]

_FIRST_LOOK_SECONDS = 2.0
_LOOK_AGAIN_SECONDS = 5.0


class Verdict(StrEnum):
    MEASURE = "measure"
    WAIT = "wait"
    MEASURE_BUSY = "measure on a busy machine"
    REFUSE = "refuse"


@dataclass(frozen=True, kw_only=True)
class Guard:
    """How quiet the machine must be, and what to do when it is not."""

    quiet_cores: float = 0.15
    noisy_cores: float = 0.2
    wait_seconds: float = 120.0
    retries: int = 2
    allow_busy: bool = False

    def before_run(self, *, other_cores: float, waited: float) -> Verdict:
        """Whether to start a measured run, given the load just seen and the time waited."""
        if other_cores < self.quiet_cores:
            return Verdict.MEASURE
        if waited < self.wait_seconds:
            return Verdict.WAIT
        return Verdict.MEASURE_BUSY if self.allow_busy else Verdict.REFUSE

    def disturbed(self, other_cores: float) -> bool:
        """Whether other processes used enough during a run to question its figures."""
        return other_cores > self.noisy_cores

    def run_again(self, *, other_cores: float, attempt: int) -> bool:
        """Whether to measure again after attempt number `attempt` (0 for the first)."""
        return self.disturbed(other_cores) and attempt < self.retries

    def wait_for_quiet(self, other_load: Callable[[float], float]) -> tuple[float, bool]:
        """Wait until the machine is quiet; the load last seen, and whether it was still busy.

        `other_load(seconds)` watches the machine that long and returns the cores others used.
        Raises BenchError when the machine stays busy and measuring anyway is not allowed.
        """
        started = time.monotonic()
        load = other_load(_FIRST_LOOK_SECONDS)
        while True:
            verdict = self.before_run(other_cores=load, waited=time.monotonic() - started)
            if verdict is Verdict.MEASURE:
                return load, False
            if verdict is Verdict.MEASURE_BUSY:
                say(f"other processes keep {load:.2f} cores busy: measuring anyway (--busy-ok)")
                return load, True
            if verdict is Verdict.REFUSE:
                raise BenchError(
                    f"other processes kept {load:.2f} cores busy for {self.wait_seconds:.0f} s "
                    f"(quiet is under {self.quiet_cores} cores): run again on a quiet machine, "
                    "or pass --busy-ok to measure anyway (the report then says so)"
                )
            say(f"other processes keep {load:.2f} cores busy; waiting for a quiet machine")
            load = other_load(_LOOK_AGAIN_SECONDS)
