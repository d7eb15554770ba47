"""One run of a benchmark: its options, what it started, what it measured, its report.

A scenario (bench/<name>/bench.py) builds its parser with `parser()`, adds its own options,
and hands `run()` a function of a `Bench` that starts what it needs (`bench.suite()`,
`bench.start()`), measures its targets (`bench.measure(name, load, round_number=...)`) and
returns `bench.report(...)`. `run()` stops everything on the way out (also on Ctrl-C or
SIGTERM), prints the report and writes it as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from harness.account import Account
from harness.console import ROOT, BenchError, say, shown_path
from harness.cpu import CpuMeter, Owned, spent_between
from harness.guard import Guard
from harness.load import Load
from harness.machine import commit, machine
from harness.report import Ratio, Report
from harness.runs import Run, run_of
from harness.suite import (
    Started,
    Suite,
    SuitePorts,
    free_suite_ports,
    inspect,
    start,
    start_suite,
    wait_ready,
)
from harness.wrk import WrkLoad

__all__ = ["Bench", "Defaults", "parser", "run"]

_SETTLE_SECONDS = 2.0
"""A pause after each run, so the next one does not start in its wake."""


@dataclass(frozen=True, kw_only=True)
class Defaults:
    """A scenario's defaults for the harness's options."""

    connections: int
    threads: int
    database: str
    redis_url: str
    state_dir: str
    port_base: int
    """Where the search for free suite ports starts."""
    results: str
    """The JSON file's name in the state dir."""
    duration: int = 20
    warmup: int = 5


def parser(
    *, prog: str, description: str, defaults: Defaults, running_suite: bool = False
) -> argparse.ArgumentParser:
    """The harness's options; a scenario adds its own."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    load = p.add_argument_group("load")
    load.add_argument("--connections", type=int, default=defaults.connections, help="(%(default)s)")
    load.add_argument("--threads", type=int, default=defaults.threads, help="(%(default)s)")
    load.add_argument(
        "--duration",
        type=int,
        default=defaults.duration,
        help="seconds measured per run (%(default)s)",
    )
    load.add_argument(
        "--warmup",
        type=int,
        default=defaults.warmup,
        help="seconds of warm-up before each run (%(default)s)",
    )
    load.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="times through every target, medians reported (%(default)s)",
    )
    suite = p.add_argument_group("suite")
    suite.add_argument(
        "--port-base",
        "--service-port-base",
        dest="port_base",
        type=int,
        help="the suite's SERVICE_PORT_BASE (default: the first free block from "
        f"{defaults.port_base}); with --gateway, where the running suite's services are",
    )
    suite.add_argument("--gateway-port", type=int, help="(default: port base + 20)")
    if running_suite:
        suite.add_argument(
            "--gateway", metavar="URL", help="use a running suite instead of starting one"
        )
    suite.add_argument("--database", default=defaults.database, help="(%(default)s)")
    suite.add_argument("--redis-url", default=defaults.redis_url, help="(%(default)s)")
    suite.add_argument(
        "--state-dir", default=defaults.state_dir, help="relative to the repository (%(default)s)"
    )
    guard = p.add_argument_group("quiet machine")
    guard.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each measured run, wait up to this many seconds for other processes "
        "to use under --quiet-cores (%(default)s)",
    )
    guard.add_argument("--quiet-cores", type=float, default=0.15, help="(%(default)s)")
    guard.add_argument(
        "--noisy-cores",
        type=float,
        default=0.2,
        help="a run during which other processes used more is disturbed (%(default)s)",
    )
    guard.add_argument(
        "--noisy-retries",
        type=int,
        default=2,
        help="measure a disturbed run again, this many times at most (%(default)s)",
    )
    guard.add_argument(
        "--busy-ok",
        action="store_true",
        help="measure even if the machine does not get quiet (the report says so); "
        "without it the benchmark stops",
    )
    out = p.add_argument_group("report")
    out.add_argument("--json", help=f"results file (default: <state dir>/{defaults.results})")
    out.add_argument(
        "--report-from", metavar="JSON", help="print an earlier run's report and run nothing"
    )
    p.set_defaults(results=defaults.results, gateway=None, port_search_from=defaults.port_base)
    return p


def check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse runs that are not bounded or make no sense."""
    for name in ("connections", "threads", "duration", "rounds"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if not 0 <= args.warmup <= 120 or args.duration > 600:
        p.error("keep runs bounded: --warmup 0..120, --duration 1..600")
    if args.threads > args.connections:
        p.error("--threads must not exceed --connections")


class Bench:
    """What one run of a scenario started and measured."""

    def __init__(self, args: argparse.Namespace, *, scenario: str, command: str) -> None:
        self.args = args
        self.scenario = scenario
        self.command = command
        self.state_dir = ROOT / args.state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.owned = Owned(database=args.database)
        self.meter = CpuMeter(self.owned)
        self.guard = Guard(
            quiet_cores=args.quiet_cores,
            noisy_cores=args.noisy_cores,
            wait_seconds=args.quiet_wait,
            retries=args.noisy_retries,
            allow_busy=args.busy_ok,
        )
        self.runs: list[Run] = []
        self.suites: list[str] = []
        self.stack = contextlib.ExitStack()

    # --- what it starts ------------------------------------------------------------------

    @contextlib.contextmanager
    def suite(
        self, *, settings: Mapping[str, Mapping[str, str]] | None = None, log: str = "sbctl"
    ) -> Iterator[Suite]:
        """The suite, started with `settings` ({service: {NAME: value}}) and stopped after;
        or the running one `--gateway` names (which then must not need settings)."""
        wanted = {service: dict(named) for service, named in (settings or {}).items()}
        if self.args.gateway:
            if any(wanted.values()):
                raise BenchError(f"--gateway: cannot give a running suite the settings {wanted}")
            yield self._running_suite(self.args.gateway.rstrip("/"))
            return
        if self.args.port_base is None:
            ports = free_suite_ports(start=self.args.port_search_from)
        else:
            gateway = self.args.gateway_port or self.args.port_base + 20
            ports = free_suite_ports(start=self.args.port_base, gateway=gateway)
        started = start_suite(
            ports=ports,
            database=self.args.database,
            redis_url=self.args.redis_url,
            state_dir=self.state_dir,
            settings=wanted,
            log=self.state_dir / f"{log}.log",
        )
        try:
            self.owned.add(started.pid, "runner (sbctl)")
            suite = wait_ready(started, ports)
            self._count(suite)
            if started.command not in self.suites:
                self.suites.append(started.command)
            yield suite
        finally:
            started.stop()

    def _running_suite(self, gateway: str) -> Suite:
        ports = None
        if self.args.port_base is not None:
            port = urlsplit(gateway).port or 80
            ports = SuitePorts(gateway=port, service_base=self.args.port_base)
        suite = inspect(gateway, ports)
        self._count(suite)
        self.suites.append(suite.command)
        return suite

    def _count(self, suite: Suite) -> None:
        for pid in suite.pids:
            self.owned.add(pid, "suite")

    def start(self, name: str, argv: Sequence[str], *, label: str, cwd: Path = ROOT) -> Started:
        """Start a process beside the suite (a mock, say), counted as `label`, stopped at the
        end; its output goes to <state dir>/<name>.log."""
        started = start(name, argv, log=self.state_dir / f"{name}.log", cwd=cwd)
        self.stack.callback(started.stop)
        self.owned.add(started.pid, label)
        return started

    def account(self, suite: Suite) -> Account:
        """The benchmark's user on this suite (kept in the state dir, per database)."""
        return Account(suite.gateway, self.state_dir / f"user-{self.args.database}.json")

    def wrk(self, **load: Any) -> WrkLoad:
        """wrk with the run's --connections and --threads; `load` as WrkLoad takes it."""
        return WrkLoad(connections=self.args.connections, threads=self.args.threads, **load)

    # --- what it measures ----------------------------------------------------------------

    def measure(self, target: str, load: Load, *, round_number: int = 1) -> Run:
        """Warm up, wait for a quiet machine, run `load` with the CPU of every process
        counted; again when others disturbed it (as the guard says). The last run is kept."""
        args = self.args
        if args.warmup > 0:
            say(f"{target}: warm-up {args.warmup} s")
            load(args.warmup)
            time.sleep(1)
        attempt = 0
        while True:
            other, busy = self.guard.wait_for_quiet(self.meter.other_load)
            say(f"{target}: {args.duration} s measured (other processes: {other:.2f} cores)")
            before = self.meter.snapshot()
            result = load(args.duration)
            spent = spent_between(before, self.meter.snapshot())
            run = run_of(
                result,
                spent,
                target=target,
                round_number=round_number,
                disturbed=self.guard.disturbed(spent.other_load_cores),
                busy_machine=busy,
            )
            say(
                f"{target}: {run.requests_per_second:.0f} requests/s, p50 {run.p50_ms:.1f} ms, "
                f"p99 {run.p99_ms:.1f} ms, errors {sum(run.errors.values())}, "
                f"{run.cpu_ms_total:.2f} ms CPU per request, "
                f"other processes {run.other_load_cores:.2f} cores"
            )
            time.sleep(_SETTLE_SECONDS)
            if not self.guard.run_again(other_cores=run.other_load_cores, attempt=attempt):
                break
            attempt += 1
            say(f"{target}: other processes disturbed that run; measuring again")
        self.runs.append(run)
        return run

    def rounds(self) -> Iterable[int]:
        """Round numbers, from 1."""
        return range(1, self.args.rounds + 1)

    def report(
        self,
        *,
        title: str,
        targets: Mapping[str, str],
        ratios: Sequence[Ratio] = (),
        notes: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
        machine_extra: Mapping[str, str] | None = None,
        expected: Mapping[str, str] | None = None,
    ) -> Report:
        """The report of what was measured; `settings` are the scenario's own options."""
        args = self.args
        return Report(
            scenario=self.scenario,
            title=title,
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            commit=commit(),
            command=self.command,
            suites=list(self.suites),
            settings={
                "rounds": args.rounds,
                "duration": args.duration,
                "warmup": args.warmup,
                "connections": args.connections,
                "threads": args.threads,
                "database": args.database,
                "redis_url": args.redis_url,
                "guard": asdict(self.guard),
                **(settings or {}),
            },
            machine={**machine(), **(machine_extra or {})},
            targets=dict(targets),
            runs=list(self.runs),
            ratios=list(ratios),
            notes=list(notes),
            expected=dict(expected or {}),
        )


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so whatever was started is stopped."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(
    scenario: Callable[[Bench], Report],
    *,
    name: str,
    parser: argparse.ArgumentParser,
    argv: Sequence[str],
) -> int:
    """Parse `argv`, run `scenario`, print its report and write it as JSON.

    0 when every run answered without errors; 1 otherwise or when the benchmark stopped.
    """
    args = parser.parse_args(argv)
    check_args(parser, args)
    if args.report_from:
        print(Report.from_json(json.loads(Path(args.report_from).read_text())).text())
        return 0
    command = " ".join([parser.prog, shlex.join(argv)]).strip()
    bench = Bench(args, scenario=name, command=command)
    try:
        with _signals_unwind(), bench.stack:
            report = scenario(bench)
    except BenchError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted; everything started was stopped")
        return 130
    print(report.text())
    out = Path(args.json) if args.json else bench.state_dir / args.results
    out.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    say(f"results written to {shown_path(out)}")
    return 0 if all(run.valid for run in report.runs) else 1
