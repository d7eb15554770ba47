"""CPU the runner spends relaying its children's output, per line, measured under `supervise`.

    .venv/bin/python tools/devstack/bench/relay_cpu.py                    # flood: 1 x 200,000 lines
    .venv/bin/python tools/devstack/bench/relay_cpu.py --writers 8 --lines 30000 --rate 3000

Each writer is a child of the supervisor that writes JSON lines of ~250 bytes with one
`write(2)` per line (as a service's log handler does), as fast as it can or at `--rate` lines/s
shared by all writers. A stopper child ends the run once every writer is done. The runner
(`supervise` in a process of its own, its stdout a file) reports the CPU of itself and of every
helper process it forked and reaped, minus what the children reported for themselves: that is
the relay's cost. The relayed file is then checked for every line of every writer, prefixed.
A run with one line per writer is measured first: that fixed cost (starting, the health check,
stopping) is left out of the per-line figure. The writers' wall time shows whether the relay
slowed them (pipe back-pressure); `--baseline` first times one writer whose output `cat`
discards. To measure another version of the runner, put its `tools/devstack/src` first on
PYTHONPATH (`git archive <commit> tools/devstack/src | tar -x -C /tmp/old`).
"""

import argparse
import http.server
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

from devstack.manager import supervise
from devstack.processes import ProcessSpec

_LINE_BYTES = 250


def _line(number: int) -> bytes:
    """One access-log-like JSON line, padded to ~250 bytes."""
    record = {
        "ts": "2025-01-01T12:00:00.000Z",
        "level": "INFO",
        "logger": "switchkit.access",
        "msg": "request",
        "method": "GET",
        "path": f"/dids?page={number % 97}",
        "status": 200,
        "duration_ms": 1.234,
        "request_id": f"{number:032x}",
    }
    text = json.dumps(record, separators=(",", ":"))
    return (text + " " * max(0, _LINE_BYTES - 1 - len(text)) + "\n").encode()


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _writer(lines: int, rate: float, report: Path) -> None:
    """Write the lines, report own CPU and wall time, then wait to be stopped."""
    started = time.monotonic()
    for number in range(lines):
        if rate > 0:
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        os.write(1, _line(number))
    wall = time.monotonic() - started
    report.write_text(json.dumps({"cpu": _own_cpu(), "wall": wall}))
    # Exiting here would stop the run before the other writers are done: the stopper ends it.
    signal.pause()


def _stopper(reports: list[Path], own_report: Path) -> None:
    while not all(path.exists() for path in reports):
        time.sleep(0.05)
    own_report.write_text(json.dumps({"cpu": _own_cpu(), "wall": 0.0}))


def _runner(args: argparse.Namespace) -> None:
    """Supervise the writers and the stopper; write the relay's CPU seconds to --out."""
    work = Path(args.work)
    me = (sys.executable, str(Path(__file__).resolve()))
    reports = [work / f"writer{i}.json" for i in range(args.writers)]
    per_writer_rate = args.rate / args.writers
    specs = [
        ProcessSpec(
            name=f"writer{i}",
            argv=(*me, "writer", str(args.lines // args.writers), str(per_writer_rate), str(path)),
            env={},
            port=0,
        )
        for i, path in enumerate(reports)
    ]
    stopper_report = work / "stopper.json"
    stopper_argv = (*me, "stopper", str(stopper_report), *map(str, reports))
    specs.append(ProcessSpec(name="stopper", argv=stopper_argv, env={}, port=0))
    own_before = _own_cpu()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_before = children.ru_utime + children.ru_stime
    started = time.monotonic()
    supervise(specs, health_url=args.health_url, ready_timeout=600, on_ready=lambda: None)
    wall = time.monotonic() - started
    # honcho's helpers are multiprocessing children it never joins: reap them, or their CPU
    # (and that of the writers they waited for) is missing from RUSAGE_CHILDREN.
    while multiprocessing.active_children():
        time.sleep(0.02)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_cpu = children.ru_utime + children.ru_stime - children_before
    reported = [json.loads(path.read_text()) for path in [*reports, stopper_report]]
    relay = _own_cpu() - own_before + children_cpu - sum(r["cpu"] for r in reported)
    writer_wall = max(r["wall"] for r in reported[:-1])
    result = {"relay_cpu": relay, "wall": wall, "writer_wall": writer_wall}
    Path(args.out).write_text(json.dumps(result))


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _baseline(lines: int) -> float:
    """A writer's wall time when `cat` drains its pipe into /dev/null."""
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "writer.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "writer", str(lines), "0"]
        with subprocess.Popen([*argv, str(report)], stdout=subprocess.PIPE) as writer:  # noqa: S603
            assert writer.stdout is not None
            cat = subprocess.Popen(["cat"], stdin=writer.stdout, stdout=subprocess.DEVNULL)  # noqa: S607
            writer.stdout.close()
            while not report.exists():
                time.sleep(0.02)
            writer.terminate()
            cat.wait()
        wall: float = json.loads(report.read_text())["wall"]
        return wall


def _run(args: argparse.Namespace, health_url: str, *, lines: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "result.json"
        log = Path(work) / "relayed.log"
        argv = [sys.executable, str(Path(__file__).resolve()), "runner", "--work", work]
        argv += ["--out", str(out), "--health-url", health_url]
        argv += ["--lines", str(lines), "--writers", str(args.writers)]
        argv += ["--rate", str(args.rate)]
        with log.open("wb") as sink:
            subprocess.run(argv, stdout=sink, check=True)  # noqa: S603
        result: dict[str, float] = json.loads(out.read_text())
        per_writer = lines // args.writers
        relayed = log.read_bytes()
        for i in range(args.writers):
            found = relayed.count(f" writer{i} ".encode())
            if found < per_writer:
                raise SystemExit(f"writer{i}: {found} of {per_writer} lines relayed")
        return result


def main() -> None:
    """Orchestrate the rounds, or play one of the processes."""
    if sys.argv[1:2] == ["writer"]:
        lines, rate, report = sys.argv[2:5]
        _writer(int(lines), float(rate), Path(report))
        return
    if sys.argv[1:2] == ["stopper"]:
        _stopper([Path(p) for p in sys.argv[3:]], Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "runner"])
    parser.add_argument("--lines", type=int, default=200_000, help="in all, shared by writers")
    parser.add_argument("--writers", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.0, help="lines/s in all; 0: flood")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--health-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "runner":
        _runner(args)
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    health_url = f"http://127.0.0.1:{server.server_address[1]}/health"
    if args.baseline:
        walls = [_baseline(args.lines // args.writers) for _ in range(args.repeat)]
        print(f"baseline: one writer into cat: {median(walls):.2f} s wall (median)")
    # What a run costs with one line per writer (starting, the health check, stopping): the
    # per-line figures below leave it out.
    fixed = median(
        _run(args, health_url, lines=args.writers)["relay_cpu"] for _ in range(args.repeat)
    )
    print(f"fixed cost of a run: {fixed:.3f} s CPU (median of {args.repeat})", flush=True)
    rounds = []
    for _ in range(args.repeat):
        result = _run(args, health_url, lines=args.lines)
        per_line_us = (result["relay_cpu"] - fixed) / args.lines * 1e6
        print(
            f"relay CPU {result['relay_cpu']:.3f} s, {per_line_us:.2f} us/line beyond the fixed "
            f"cost; writers done in {result['writer_wall']:.2f} s, run {result['wall']:.2f} s",
            flush=True,
        )
        rounds.append(per_line_us)
    print(f"median: {median(rounds):.2f} us CPU per relayed line ({args.lines} lines)")


if __name__ == "__main__":
    main()
