"""The benchmark harness: a suite on ports of its own, load, CPU per process, a quiet-machine
guard, and a report printed as text and written as JSON. See bench/README.md."""

from harness import api
from harness.bench import Bench, Defaults, parser, run
from harness.console import ROOT, BenchError, say
from harness.load import Load, LoadResult
from harness.report import Ratio, Report
from harness.runs import Run, median, median_run
from harness.suite import Suite, free_port
from harness.wrk import WrkLoad

__all__ = [
    "ROOT",
    "Bench",
    "BenchError",
    "Defaults",
    "Load",
    "LoadResult",
    "Ratio",
    "Report",
    "Run",
    "Suite",
    "WrkLoad",
    "api",
    "free_port",
    "median",
    "median_run",
    "parser",
    "run",
    "say",
]
