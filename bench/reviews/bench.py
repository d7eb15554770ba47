"""GET /books through the gateway, with a token, on 1,000 books: cache hit, cache miss, Redis down.

Run it with `bench/reviews/run.sh` (which installs wrk first); `--help` lists the knobs. For
each mode, in order:

1. starts the suite (`bench/reviews/stack.py`: `sbctl up` with the reviews replicas' settings
   changed) on ports, a database, a Redis db and a state dir of its own:
   - `hit`: as `make up` runs it, the page cache on;
   - `miss`: `REVIEWS_CACHE_ENABLED=false`, every read goes to Postgres (`X-Cache: BYPASS`);
   - `redis-down`: `REVIEWS_REDIS_URL` on a port nothing listens on (connections refused), so
     the replicas answer from Postgres behind their circuit breaker (auth keeps its Redis);
2. signs up a throw-away user (once) and signs in, for a bearer token;
3. adds books through the API until there are 1,000 (once: the database is kept);
4. checks page 1 is the same body in every mode and that `X-Cache` says what the mode means;
5. runs wrk (warm-up, then the measured run) cycling over every page with `per_page=20`,
   counting the `X-Cache` answers;
6. stops the suite.

Then it prints requests/s, p50 and p99 per mode, the commands, the machine, the date and how
busy the machine was with other work meanwhile (a shared 2-CPU box makes that matter), and
writes them as JSON. Loopback only; every wait and run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LUA = HERE / "pages.lua"
STACK = HERE / "stack.py"
READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 60.0
# The settings each mode gives the reviews replicas (names without the REVIEWS_ prefix).
MODES: dict[str, dict[str, str]] = {
    "hit": {},
    "miss": {"CACHE_ENABLED": "false"},
    "redis-down": {"REDIS_URL": "redis://127.0.0.1:{dead_port}/0"},
}
EXPECTED_CACHE = {"hit": "HIT", "miss": "BYPASS", "redis-down": "BYPASS"}


class BenchError(Exception):
    """Something that stops the benchmark, with a message for the person running it."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- processes -------------------------------------------------------------------------------


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Suite:
    process: subprocess.Popen[bytes]
    log: Path
    gateway: str

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"the suite did not stop within {STOP_TIMEOUT_SECONDS:.0f} s: killing it")
            self.process.kill()
            self.process.wait()


def suite_env(args: argparse.Namespace, mode: str) -> dict[str, str]:
    overrides = {
        name: value.format(dead_port=args.dead_redis_port) for name, value in MODES[mode].items()
    }
    return {
        "GATEWAY_PORT": str(args.gateway_port),
        "SERVICE_PORT_BASE": str(args.service_port_base),
        "SWITCHBOARD_DATABASE": args.database,
        "SWITCHBOARD_STATE_DIR": args.state_dir,
        "SWITCHBOARD_REDIS_URL": args.redis_url,
        "BENCH_REVIEWS_ENV": json.dumps(overrides),
    }


@contextlib.contextmanager
def running_suite(args: argparse.Namespace, mode: str) -> Iterator[Suite]:
    ports = [args.gateway_port, *(args.service_port_base + n for n in range(8))]
    taken = [port for port in ports if listening(port)]
    if taken:
        raise BenchError(f"ports in use: {taken}; pick others with --gateway-port/--port-base")
    if listening(args.dead_redis_port):
        raise BenchError(f"something listens on --dead-redis-port {args.dead_redis_port}")
    log = ROOT / args.state_dir / f"suite-{mode}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = suite_env(args, mode)
    say(f"{mode}: starting the suite ({' '.join(f'{k}={v}' for k, v in env.items())})")
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own script)
            [sys.executable, str(STACK)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    suite = Suite(process=process, log=log, gateway=f"http://127.0.0.1:{args.gateway_port}")
    try:
        wait_ready(suite, args)
        yield suite
    finally:
        suite.stop()
        say(f"{mode}: suite stopped")


def wait_ready(suite: Suite, args: argparse.Namespace) -> None:
    """The gateway's /health is 200 and both reviews replicas answer their own /health."""
    replicas = [args.service_port_base + 3, args.service_port_base + 7]
    urls = [f"{suite.gateway}/health"] + [f"http://127.0.0.1:{p}/health" for p in replicas]
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not suite.alive():
                raise BenchError(f"the suite exited:\n{suite.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if all(client.get(url).status_code == 200 for url in urls):
                    return
            time.sleep(0.5)
    raise BenchError(f"not ready within {READY_TIMEOUT_SECONDS:.0f} s:\n{suite.log_tail()}")


# --- the API ---------------------------------------------------------------------------------


def bench_user(args: argparse.Namespace) -> dict[str, str]:
    """The benchmark's throw-away user, kept in the state dir so later runs sign it in again."""
    path = ROOT / args.state_dir / "bench-user.json"
    if not path.exists():
        new = {"username": f"bench{uuid.uuid4().hex[:10]}", "password": secrets.token_hex(16)}
        path.write_text(json.dumps(new))
        path.chmod(0o600)
    user: dict[str, str] = json.loads(path.read_text())
    return user


def sign_in(gateway: str, user: dict[str, str]) -> str:
    with httpx.Client(base_url=gateway, timeout=10.0) as client:
        body = {"username": user["username"], "password": user["password"]}
        response = client.post("/auth/signin", json=body)
        if response.status_code == 401:
            created = client.post("/auth/signup", json=body)
            if created.status_code != 201:
                raise BenchError(f"sign-up failed: {created.status_code} {created.text}")
            response = client.post("/auth/signin", json=body)
        if response.status_code != 200:
            raise BenchError(f"sign-in failed: {response.status_code} {response.text}")
        token: str = response.json()["accessToken"]
        return token


def book_count(gateway: str, token: str) -> int:
    response = httpx.get(
        f"{gateway}/books",
        params={"per_page": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    response.raise_for_status()
    return int(response.headers["x-total-count"])


async def add_books(gateway: str, token: str, count: int, *, parallel: int = 8) -> None:
    """`count` books through the API (POST /books), `parallel` at a time."""
    headers = {"Authorization": f"Bearer {token}"}
    numbers = iter(range(count))
    run = uuid.uuid4().hex[:6]

    async def worker(client: httpx.AsyncClient) -> None:
        for n in numbers:
            body = {
                "title": f"Bench book {run}-{n:04d}",
                "author": f"Author {n % 97}",
                "publishedYear": 1900 + n % 125,
                "description": "A book made by bench/reviews to fill the list.",
            }
            response = await client.post("/books", json=body, headers=headers)
            if response.status_code != 201:
                raise BenchError(f"POST /books: {response.status_code} {response.text}")

    async with httpx.AsyncClient(base_url=gateway, timeout=10.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(parallel)))


def ensure_books(gateway: str, token: str, wanted: int) -> int:
    have = book_count(gateway, token)
    if have < wanted:
        say(f"adding {wanted - have} books through the API (there are {have})")
        started = time.monotonic()
        asyncio.run(add_books(gateway, token, wanted - have))
        say(f"added in {time.monotonic() - started:.1f} s")
    return book_count(gateway, token)


def page_one(gateway: str, token: str, per_page: int) -> tuple[str, bytes]:
    """X-Cache and body of the first page, read twice (the second read is what is returned)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway, timeout=10.0) as client:
        for _ in range(2):
            response = client.get(
                "/books", params={"page": 1, "per_page": per_page}, headers=headers
            )
            response.raise_for_status()
    return response.headers["x-cache"], response.content


# --- measuring -------------------------------------------------------------------------------


def busy_cpu_seconds() -> float:
    """CPU time the whole machine spent busy (every CPU), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time of a process and its descendants that are still running."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(rest[1])
        times[int(entry.name)] = (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


@dataclass
class Result:
    mode: str
    command: str
    requests: int
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    x_cache: dict[str, int]
    not_200: int
    socket_errors: dict[str, int]
    suite_cpu_seconds: float
    wrk_cpu_seconds: float
    other_cpu_seconds: float
    """Busy CPU of the machine minus the suite's and wrk's: Postgres and Redis (shared
    servers, also working for the suite) and whatever else runs on the machine."""
    load_average: tuple[float, float, float]
    extra: dict[str, Any] = field(default_factory=dict)


def wrk(
    args: argparse.Namespace, gateway: str, token: str, pages: int, seconds: int
) -> tuple[list[str], dict[str, Any], float]:
    argv = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        gateway,
        "--",
        str(pages),
        str(args.per_page),
        token,
    ]
    before = os.times()
    done = subprocess.run(  # noqa: S603 (fixed program, our arguments)
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    after = os.times()
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    match = re.search(r"^WRK_SUMMARY (\{.*\})$", done.stdout, re.MULTILINE)
    if not match:
        raise BenchError(f"no summary in wrk's output:\n{done.stdout}")
    wrk_cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return argv, json.loads(match.group(1)), wrk_cpu


def wait_for_quiet(args: argparse.Namespace) -> float:
    """Waits (up to --quiet-wait s) until the machine is nearly idle while the suite is; returns
    the cores other work kept busy at the last look."""
    deadline = time.monotonic() + args.quiet_wait
    while True:
        before = busy_cpu_seconds()
        time.sleep(2.0)
        cores = (busy_cpu_seconds() - before) / 2.0
        if cores <= args.quiet_cores or time.monotonic() >= deadline:
            return round(cores, 2)
        say(f"waiting for a quieter machine ({cores:.2f} cores busy with other work)")


def measure(args: argparse.Namespace, mode: str, suite: Suite, token: str, pages: int) -> Result:
    if args.warmup:
        wrk(args, suite.gateway, token, pages, args.warmup)
    busy_before_run = wait_for_quiet(args)
    suite_before, busy_before = tree_cpu_seconds(suite.process.pid), busy_cpu_seconds()
    argv, summary, wrk_cpu = wrk(args, suite.gateway, token, pages, args.duration)
    suite_cpu = tree_cpu_seconds(suite.process.pid) - suite_before
    busy = busy_cpu_seconds() - busy_before
    seconds = summary["duration_us"] / 1e6
    latency = summary["latency_us"]
    shown = [*argv[:-1], "$ACCESS_TOKEN"]  # never print the token
    return Result(
        mode=mode,
        command=shlex.join(shown),
        requests=summary["requests"],
        requests_per_second=round(summary["requests"] / seconds, 1),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        x_cache=summary["x_cache"],
        not_200=summary["not_200"],
        socket_errors=summary["errors"],
        suite_cpu_seconds=round(suite_cpu, 1),
        wrk_cpu_seconds=round(wrk_cpu, 1),
        other_cpu_seconds=round(busy - suite_cpu - wrk_cpu, 1),
        load_average=os.getloadavg(),
        extra={
            "suite_cpu_ms_per_request": round(suite_cpu * 1000 / max(summary["requests"], 1), 2),
            "other_cores_before": busy_before_run,
        },
    )


# --- the report ------------------------------------------------------------------------------


def first_line(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (fixed programs)
            list(argv), capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    os_name = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    traefik = ROOT / ".venv" / "bin" / "traefik"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} CPUs",
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        "wrk": first_line(["wrk", "-v"]),
        "traefik": first_line([str(traefik), "version"]).removeprefix("Version:").strip(),
        "postgres": first_line(["psql", "--version"]),
        "redis": first_line(["redis-server", "--version"]),
    }


def median_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per mode, in the order first run, the run with the median requests/s."""
    picked = []
    for mode in dict.fromkeys(run["mode"] for run in runs):
        ranked = sorted(
            (r for r in runs if r["mode"] == mode), key=lambda r: r["requests_per_second"]
        )
        picked.append(ranked[(len(ranked) - 1) // 2])
    return picked


def report(results: dict[str, Any]) -> str:
    shown = median_runs(results["runs"])
    lines = [
        f"GET /books through the gateway, {results['books']} books, per_page="
        f"{results['per_page']} cycling over {results['pages']} pages, with a token "
        f"(every request also goes through ForwardAuth to auth)",
        "",
        "| mode | requests/s | p50 | p99 | X-Cache | non-200 |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for run in shown:
        cache = ", ".join(f"{k} {v}" for k, v in run["x_cache"].items() if v)
        lines.append(
            f"| {run['mode']} | {run['requests_per_second']:.0f} | {run['p50_ms']:.1f} ms "
            f"| {run['p99_ms']:.1f} ms | {cache} | {run['not_200']} |"
        )
    if len(shown) < len(results["runs"]):
        lines += ["", "each mode's median run above; every run (requests/s, p50, p99):"]
        for mode in [run["mode"] for run in shown]:
            each = [
                f"{r['requests_per_second']:.0f}, {r['p50_ms']:.0f} ms, {r['p99_ms']:.0f} ms"
                for r in results["runs"]
                if r["mode"] == mode
            ]
            lines.append(f"  {mode:<10} {' | '.join(each)}")
    lines += [
        "",
        "CPU seconds during each measured run (the machine has "
        f"{os.cpu_count()} CPUs x {results['duration']} s):",
    ]
    for run in results["runs"]:
        lines.append(
            f"  {run['mode']:<10} suite {run['suite_cpu_seconds']}"
            f" ({run['extra']['suite_cpu_ms_per_request']} ms per request),"
            f" wrk {run['wrk_cpu_seconds']}, everything else {run['other_cpu_seconds']}"
            f" (Postgres and Redis included; {run['extra']['other_cores_before']} cores busy"
            " just before)"
        )
    lines += ["", "commands (the suite, then wrk once it is up):"]
    for run in shown:
        lines += [
            f"  {run['mode']}: {run['suite_command']}",
            f"  {' ' * len(run['mode'])}  {run['command']}",
        ]
    lines += ["", f"page 1 identical in every mode: {results['same_page_one']}"]
    lines += ["", "machine:"] + [f"  {k}: {v}" for k, v in results["machine"].items()]
    lines += [f"  date: {results['date']}", f"  commit: {results['commit']}"]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="GET /books through the gateway: cache hit, cache miss, Redis down."
    )
    parser.add_argument("--modes", default="hit,miss,redis-down", help="(hit,miss,redis-down)")
    parser.add_argument("--books", type=int, default=1000, help="books in the list (1000)")
    parser.add_argument("--per-page", type=int, default=20, help="page size (20, the default)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per mode (20)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per mode (5)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="times through every mode (1); the report shows each mode's median run",
    )
    parser.add_argument("--gateway-port", type=int, default=25080, help="(25080)")
    parser.add_argument("--port-base", dest="service_port_base", type=int, default=25100)
    parser.add_argument("--dead-redis-port", type=int, default=25199, help="(25199)")
    parser.add_argument("--database", default="switchboard_bench_reviews")
    parser.add_argument("--state-dir", default=".run/bench-reviews", help="relative to the repo")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/9",
        help="Redis of the suite (a db of its own: the page cache keys do not name the database)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="seconds to wait for other work to calm down before each measured run (120)",
    )
    parser.add_argument(
        "--quiet-cores", type=float, default=0.3, help="what counts as calm, in cores (0.3)"
    )
    parser.add_argument("--json", help="write the results here too (default: <state dir>)")
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(args.modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    return args


@contextlib.contextmanager
def handled_signals() -> Iterator[None]:
    """SIGTERM as KeyboardInterrupt, so the suite is stopped on the way out."""

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pages = -(-args.books // args.per_page)
    runs: list[dict[str, Any]] = []
    bodies: dict[str, bytes] = {}
    books = 0
    try:
        with handled_signals():
            for mode in [m for _ in range(args.rounds) for m in args.modes]:
                with running_suite(args, mode) as suite:
                    token = sign_in(suite.gateway, bench_user(args))
                    books = ensure_books(suite.gateway, token, args.books)
                    if books != args.books:
                        say(f"note: the list holds {books} books, not {args.books}")
                    cache, bodies[mode] = page_one(suite.gateway, token, args.per_page)
                    if cache != EXPECTED_CACHE[mode]:
                        raise BenchError(f"{mode}: X-Cache {cache}, not {EXPECTED_CACHE[mode]}")
                    say(f"{mode}: wrk, {args.warmup} s warm-up then {args.duration} s measured")
                    result = measure(args, mode, suite, token, pages)
                    env = suite_env(args, mode)
                    shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
                    stack = f".venv/bin/python {STACK.relative_to(ROOT)}"
                    runs.append({**asdict(result), "suite_command": f"{shown} {stack}"})
                    say(f"{mode}: {result.requests_per_second:.0f} requests/s")
    except BenchError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    commit = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "books": books,
        "per_page": args.per_page,
        "pages": pages,
        "duration": args.duration,
        "runs": runs,
        "same_page_one": len(set(bodies.values())) == 1,
        "machine": machine(),
    }
    print(report(results))
    target = Path(args.json) if args.json else ROOT / args.state_dir / "results.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    say(f"results also in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
