"""GET /dids through the gateway, with a token, against the json-server mock: one run, side by side.

Run it with `bench/inventory/run.sh` (which installs wrk and json-server first); `--help` lists the
knobs. What it does, in order:

1. starts the suite with `sbctl up` on ports of its own (or uses a running one, `--gateway`);
2. signs up a throw-away user and signs in, for a bearer token;
3. exports the 800 seeded DIDs through the API into bench/inventory/db.json, after checking they
   are exactly `inventory.dids.seed.seed_rows()` as the API shows them;
4. starts json-server 0.17.4 on that file, on a free loopback port, and checks that every page
   of the mock and of the service hold the same records;
5. runs the same wrk load against both (`GET /dids?page=N&per_page=50` and the mock's
   `/dids?_page=N&_limit=50`, N cycling over every page), a warm-up then a measured run each,
   alternating which goes first when there are several rounds;
6. prints requests/s, p50 and p99 for both and their ratio, the CPU each process spent per
   request, the exact commands, the machine and the date (and writes them as JSON);
7. stops everything it started.

Only loopback addresses are used, and every run is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from inventory.dids.numbers import international
from inventory.dids.seed import seed_rows

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LUA = HERE / "pages.lua"
JSON_SERVER = HERE / "node_modules" / "json-server" / "lib" / "cli" / "bin.js"
DB_JSON = HERE / "db.json"
EXPECTED_DIDS = 800
PAGE_SIZE = 50
READY_TIMEOUT_SECONDS = 180.0
NOISY_CORES = 0.2
"""A measured run during which other processes kept more than this busy is flagged (and
measured again, `--noisy-retries` times at most)."""
STOP_TIMEOUT_SECONDS = 60.0


class BenchError(Exception):
    """Something that stops the benchmark, with a message for the person running it."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- ports and processes ---------------------------------------------------------------------


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_block(*, start: int, size: int, extra: int) -> tuple[int, int]:
    """A base with `size` free ports from it, and one more free port `extra` above it."""
    for base in range(start, 65000 - size - extra, 50):
        ports = [*range(base, base + size), base + extra]
        if all(port_free(port) for port in ports):
            return base, base + extra
    raise BenchError("no free block of loopback ports found")


@dataclass
class Started:
    """A process this benchmark started (in its own session, so it can be stopped as a group)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if not self.alive():
            return
        say(f"stopping {self.name} (pid {self.process.pid})")
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop in {STOP_TIMEOUT_SECONDS:.0f} s: killing its group")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start(name: str, argv: Sequence[str], *, log: Path, env: dict[str, str], cwd: Path) -> Started:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own argv)
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Started(name=name, process=process, log=log)


def wait_until(check: Any, *, what: str, timeout: float, process: Started | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise BenchError(
                f"{process.name} exited while waiting for {what}:\n{process.log_tail()}"
            )
        with contextlib.suppress(httpx.HTTPError, OSError):
            if check():
                return
        time.sleep(0.5)
    tail = f":\n{process.log_tail()}" if process is not None else ""
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


# --- the suite -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suite:
    gateway: str
    service_port_base: int | None

    def direct(self, offset: int) -> str | None:
        if self.service_port_base is None:
            return None
        return f"http://127.0.0.1:{self.service_port_base + offset}"


def start_suite(args: argparse.Namespace, stack: contextlib.ExitStack) -> Suite:
    base, gateway_port = free_port_block(start=args.port_search_from, size=10, extra=20)
    state_dir = Path(args.state_dir)
    env = {
        **os.environ,
        "GATEWAY_PORT": str(gateway_port),
        "SERVICE_PORT_BASE": str(base),
        "SWITCHBOARD_DATABASE": args.database,
        "SWITCHBOARD_STATE_DIR": str(state_dir),
        "SWITCHBOARD_REDIS_URL": args.redis_url,
        # inventory.dids.pages: 0 turns the list-page cache off.
        "INVENTORY_PAGE_CACHE_SIZE": "1024" if args.page_cache == "on" else "0",
    }
    sbctl = ROOT / ".venv" / "bin" / "sbctl"
    if not sbctl.exists():
        raise BenchError(f"{sbctl} not found: run `make bootstrap` (or `make up` once) first")
    log = ROOT / state_dir / "sbctl.log"
    say(
        f"sbctl up: gateway 127.0.0.1:{gateway_port}, services from {base}, "
        f"database {args.database}, state {state_dir} (log {log.relative_to(ROOT)})"
    )
    suite_process = start("sbctl up", [str(sbctl), "up"], log=log, env=env, cwd=ROOT)
    OURS.roots.add(suite_process.process.pid)
    stack.callback(suite_process.stop)
    gateway = f"http://127.0.0.1:{gateway_port}"
    wait_until(
        lambda: httpx.get(f"{gateway}/health", timeout=5).status_code == 200,
        what="the gateway's /health",
        timeout=READY_TIMEOUT_SECONDS,
        process=suite_process,
    )
    return Suite(gateway=gateway, service_port_base=base)


def check_page_cache(gateway: str, token: str, expected: str) -> None:
    """The page cache is as the report will say: a page asked twice is a HIT only if on."""
    url = f"{gateway}/dids?page=1&per_page={PAGE_SIZE}"
    headers = {"Authorization": f"Bearer {token}"}
    wanted = "HIT" if expected == "on" else "BYPASS"
    answers: list[str] = []
    for _ in range(50):
        answers.append(httpx.get(url, headers=headers, timeout=10).headers.get("x-cache", ""))
        if answers[-1] == wanted:
            return
        time.sleep(0.1)
    raise BenchError(f"--page-cache {expected}: expected X-Cache {wanted}, got {answers[-3:]}")


def check_inventory_routed(gateway: str) -> None:
    status = httpx.get(f"{gateway}/dids", timeout=10).status_code
    if status != 401:
        raise BenchError(
            f"GET {gateway}/dids without a token answered {status}, not 401: "
            "is inventory registered in tools/devstack and gateway/dynamic/inventory.yml?"
        )


class Account:
    """A throw-away user, signed up on first use; each `token()` is a fresh access token."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.username = f"bench-{secrets.token_hex(4)}"
        self.password = secrets.token_urlsafe(18)
        self.signed_up = False

    def token(self) -> str:
        if not self.signed_up:
            response = httpx.post(
                f"{self.gateway}/auth/signup",
                json={"username": self.username, "password": self.password, "displayName": "Bench"},
                timeout=30,
            )
            if response.status_code != 201:
                raise BenchError(f"sign-up failed: {response.status_code} {response.text}")
            self.signed_up = True
        response = httpx.post(
            f"{self.gateway}/auth/signin",
            json={"username": self.username, "password": self.password},
            timeout=30,
        )
        if response.status_code != 200:
            raise BenchError(f"sign-in failed: {response.status_code} {response.text}")
        return str(response.json()["accessToken"])


# --- the records -----------------------------------------------------------------------------


def seeded_records() -> list[dict[str, str]]:
    """`seed_rows()` as the API shows them (without ids, which the database assigns)."""
    return [
        {
            "value": international(str(row["e164"])),
            "monthyPrice": f"{row['monthly_price']:.2f}",
            "setupPrice": f"{row['setup_price']:.2f}",
            "currency": str(row["currency"]),
        }
        for row in seed_rows()
    ]


def fetch_all(gateway: str, token: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {token}"}
    page = 1
    while True:
        response = httpx.get(
            f"{gateway}/dids", params={"page": page, "per_page": 100}, headers=headers, timeout=30
        )
        response.raise_for_status()
        batch = response.json()
        if not batch:
            break
        records.extend(batch)
        page += 1
    return records


def export_records(gateway: str, token: str) -> list[dict[str, Any]]:
    records = fetch_all(gateway, token)
    without_ids = sorted(
        (tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in records),
    )
    expected = sorted(tuple(sorted(r.items())) for r in seeded_records())
    if len(records) != EXPECTED_DIDS or without_ids != expected:
        raise BenchError(
            f"the inventory holds {len(records)} DIDs that are not exactly the "
            f"{EXPECTED_DIDS} seeded ones; benchmark a freshly seeded database "
            "(drop the benchmark database, e.g. `dropdb switchboard_bench`, and run again)"
        )
    records.sort(key=lambda r: int(r["id"]))
    DB_JSON.write_text(json.dumps({"dids": records}, ensure_ascii=False, indent=2) + "\n")
    say(f"exported {len(records)} DIDs to {DB_JSON.relative_to(ROOT)}")
    return records


def start_mock(stack: contextlib.ExitStack, state_dir: Path) -> str:
    if not JSON_SERVER.exists():
        raise BenchError(f"{JSON_SERVER} missing: run bench/inventory/run.sh (it runs npm ci)")
    port = free_port()
    # As the frontend team ran it: the CLI with its defaults (request log included).
    argv = ["node", str(JSON_SERVER), "--host", "127.0.0.1", "--port", str(port), str(DB_JSON)]
    log = ROOT / state_dir / "json-server.log"
    mock = start("json-server", argv, log=log, env=dict(os.environ), cwd=HERE)
    stack.callback(mock.stop)
    OURS.roots.add(mock.process.pid)
    url = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: httpx.get(f"{url}/dids?_page=1&_limit=1", timeout=5).status_code == 200,
        what="json-server",
        timeout=30,
        process=mock,
    )
    say(f"json-server {json_server_version()} on {url} ({' '.join(argv[1:])})")
    return url


def check_same_pages(gateway: str, mock: str, token: str, pages: int) -> None:
    """Every page the load asks for holds the same records in the service and in the mock."""
    headers = {"Authorization": f"Bearer {token}"}
    for page in range(1, pages + 1):
        real = httpx.get(
            f"{gateway}/dids",
            params={"page": page, "per_page": PAGE_SIZE},
            headers=headers,
            timeout=30,
        )
        fake = httpx.get(f"{mock}/dids", params={"_page": page, "_limit": PAGE_SIZE}, timeout=30)
        if real.status_code != 200 or fake.status_code != 200 or real.json() != fake.json():
            raise BenchError(f"page {page}: the service and the mock answer different records")
        if real.headers.get("x-total-count") != fake.headers.get("x-total-count"):
            raise BenchError(f"page {page}: X-Total-Count differs between service and mock")
    say(f"pages 1..{pages}: the service and the mock hold the same {PAGE_SIZE}-record pages")


# --- load and measurements -------------------------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# What each process of ours is, by a piece of its command line.
LABELS = (
    ("inventory.main:create_app", "inventory (uvicorn)"),
    ("auth.main:create_app", "auth (uvicorn)"),
    ("portal.main:create_app", "portal (uvicorn)"),
    ("traefik", "traefik"),
    ("json-server", "json-server (node)"),
    ("postgres", "postgres (our database's backends)"),
    ("redis-server", "redis"),
    ("nats-server", "nats"),
    ("sbctl", "sbctl (runner, log relay)"),
)


@dataclass
class Ours:
    """Which processes count as the benchmark's: those it started and their descendants, our
    database's Postgres backends and Postgres's own background processes, and Redis and NATS
    (shared with anything else on the machine, but idle when nothing else runs).
    Everything else (say, another session's test suite) is "other load"."""

    roots: set[int] = field(default_factory=set)
    database: str = ""
    everything_matching: bool = False
    """With --gateway nothing was started here: count every process whose command matches."""


OURS = Ours()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# A client's backend: "postgres: [cluster: ]<role> <database> <client> <state>".
POSTGRES_BACKEND = re.compile(r"^postgres: (?:\S+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])")


def _label(pid: int, comm: str, cmdline: str, descendants: set[int]) -> str | None:
    if comm == "postgres" or cmdline.startswith("postgres"):
        backend = POSTGRES_BACKEND.match(cmdline)
        if backend is None:
            return "postgres (background)"
        ours = OURS.everything_matching or backend.group(2) == OURS.database
        return "postgres (our database's backends)" if ours else None
    if comm in ("redis-server", "nats-server"):
        return comm.removesuffix("-server")
    if pid not in descendants and not OURS.everything_matching:
        return None
    label = next((name for needle, name in LABELS if needle in cmdline), None)
    if label is None and pid in descendants:
        # Another service of the suite (reviews, chat, ...), or whatever sbctl runs: still ours.
        app = re.search(r"(\w+)\.main:create_app", cmdline)
        label = f"{app.group(1)} (uvicorn)" if app else "other processes of the suite"
    return label


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of the benchmark's processes, labelled by what they are."""
    processes: dict[int, tuple[int, str, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            raw = (entry / "cmdline").read_bytes()
            cmdline = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        comm = stat.split("(", 1)[1].rsplit(")", 1)[0]
        processes[int(entry.name)] = (int(fields[1]), comm, cmdline, seconds)
    descendants = set(OURS.roots)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, *_rest) in processes.items():
            if ppid in descendants and pid not in descendants:
                descendants.add(pid)
                grew = True
    snapshot: dict[int, tuple[str, float]] = {}
    for pid, (_ppid, comm, cmdline, seconds) in processes.items():
        label = _label(pid, comm, cmdline, descendants)
        if label is not None:
            snapshot[pid] = (label, seconds)
    return snapshot


def machine_busy_seconds() -> float:
    """CPU seconds every core has spent busy since boot (all of /proc/stat's first line but idle
    and iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def foreign_load(seconds: float = 2.0) -> float:
    """Cores kept busy by processes that are not part of this benchmark, over `seconds`."""
    before, busy_before = cpu_snapshot(), machine_busy_seconds()
    time.sleep(seconds)
    after, busy_after = cpu_snapshot(), machine_busy_seconds()
    ours = sum(cpu_per_label(before, after).values())
    return max(0.0, (busy_after - busy_before - ours) / seconds)


def wait_for_quiet(max_wait: float) -> float:
    """Wait (at most `max_wait` s) until other processes use under 15% of a core; the last load."""
    deadline = time.monotonic() + max_wait
    load = foreign_load()
    while load > 0.15 and time.monotonic() < deadline:
        say(f"other processes keep {load:.2f} cores busy; waiting for a quiet machine")
        load = foreign_load(5.0)
    return load


def cpu_per_label(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    spent: dict[str, float] = {}
    for pid, (label, seconds) in after.items():
        spent[label] = spent.get(label, 0.0) + seconds - before.get(pid, (label, 0.0))[1]
    return {label: seconds for label, seconds in spent.items() if seconds > 0}


@dataclass
class Run:
    target: str
    url: str
    path: str
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
    errors: dict[str, int]
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    other_load_cores: float = 0.0
    """CPU used meanwhile by processes outside the benchmark, in cores (2 = the whole machine)."""

    @property
    def valid(self) -> bool:
        return self.requests > 0 and not any(self.errors.values())


def wrk(
    *,
    target: str,
    url: str,
    path: str,
    pages: int,
    token: str | None,
    args: argparse.Namespace,
    duration: int,
    close: bool = False,
) -> Run:
    argv = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA.relative_to(ROOT)),
        url,
        "--",
        path,
        str(pages),
    ]
    shown = [*argv, "$TOKEN" if token else ""]
    full = [*argv, token or ""]
    if close:
        shown.append("close")
        full.append("close")
    before, busy_before, children_before = cpu_snapshot(), machine_busy_seconds(), children_cpu()
    completed = subprocess.run(  # noqa: S603 (our own argv)
        full, cwd=ROOT, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    after, busy_after, children_after = cpu_snapshot(), machine_busy_seconds(), children_cpu()
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    summary_line = next(
        (line for line in completed.stdout.splitlines() if line.startswith("WRK_SUMMARY ")), None
    )
    if summary_line is None:
        raise BenchError(f"no summary in wrk's output:\n{completed.stdout}")
    summary = json.loads(summary_line.removeprefix("WRK_SUMMARY "))
    seconds = summary["duration_us"] / 1e6
    count = summary["requests"]
    latency = summary["latency_us"]
    cpu = cpu_per_label(before, after)
    # wrk has exited by the second snapshot: its CPU is what this process's children used.
    cpu["wrk (load generator)"] = children_after - children_before
    other = max(0.0, busy_after - busy_before - sum(cpu.values())) / seconds
    return Run(
        target=target,
        url=url,
        path=path,
        command=shlex.join(shown).replace("'$TOKEN'", '"$TOKEN"').removesuffix(" ''"),
        requests=count,
        seconds=round(seconds, 2),
        requests_per_second=round(count / seconds, 1),
        bytes_per_request=round(summary["bytes"] / max(count, 1), 1),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        mean_ms=round(latency["mean"] / 1000, 2),
        max_ms=latency["max"] / 1000,
        errors=summary["errors"],
        cpu_ms_per_request={
            label: round(1000 * spent / max(count, 1), 3)
            for label, spent in sorted(cpu.items())
            if 1000 * spent / max(count, 1) >= 0.005
        },
        other_load_cores=round(other, 2),
    )


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    path: str
    pages: int
    authenticated: bool
    close: bool = False
    """One new connection per request, as Traefik's ForwardAuth mostly does (see the docs)."""


def measure(target: Target, *, args: argparse.Namespace, account: Account) -> Run:
    def token() -> str | None:
        # A fresh token per wrk run, so none expires (15 minutes) however long the runs are.
        return account.token() if target.authenticated else None

    def run_wrk(duration: int) -> Run:
        return wrk(
            target=target.name,
            url=target.url,
            path=target.path,
            pages=target.pages,
            token=token(),
            args=args,
            duration=duration,
            close=target.close,
        )

    if args.warmup > 0:
        say(f"{target.name}: warm-up {args.warmup} s")
        run_wrk(args.warmup)
        time.sleep(1)
    for attempt in range(args.noisy_retries + 1):
        load = wait_for_quiet(args.quiet_wait)
        say(
            f"{target.name}: {args.duration} s, {args.connections} connections "
            f"(other processes: {load:.2f} cores)"
        )
        run = run_wrk(args.duration)
        say(
            f"{target.name}: {run.requests_per_second} requests/s, p50 {run.p50_ms} ms, "
            f"p99 {run.p99_ms} ms, errors {run.errors}, "
            f"other processes {run.other_load_cores} cores"
        )
        time.sleep(2)
        if run.other_load_cores <= NOISY_CORES:
            break
        if attempt < args.noisy_retries:
            say(f"{target.name}: other processes disturbed that run; measuring again")
    return run


# --- the machine -----------------------------------------------------------------------------


def first_line(argv: Sequence[str]) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 (fixed argv)
            list(argv), capture_output=True, text=True, timeout=20, check=False
        )
    except OSError:
        return "not found"
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def json_server_version() -> str:
    package = HERE / "node_modules" / "json-server" / "package.json"
    return str(json.loads(package.read_text())["version"])


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    traefik = ROOT / ".venv" / "bin" / "traefik"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()}",
        "os": first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "python": platform.python_version(),
        "node": first_line(["node", "--version"]),
        "json-server": json_server_version(),
        "wrk": first_line(["wrk", "-v"]).split(" Copyright")[0],
        "traefik": first_line([str(traefik), "version"]).split()[-1],
        "postgres": first_line(["sh", "-c", "postgres --version || psql --version"]),
    }


# --- report ----------------------------------------------------------------------------------


def pick(runs: list[Run]) -> Run:
    """The round with the median throughput (the only one when there is one round), among the
    rounds other processes did not disturb when there are any."""
    quiet = [r for r in runs if r.other_load_cores <= NOISY_CORES]
    ordered = sorted(quiet or runs, key=lambda r: r.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def report(results: dict[str, Any]) -> str:
    runs: dict[str, list[Run]] = {}
    for run in results["runs"]:
        runs.setdefault(run.target, []).append(run)
    real, mock = pick(runs["service"]), pick(runs["mock"])
    ratio = real.requests_per_second / mock.requests_per_second
    lines = [
        "",
        f"# Inventory GET /dids vs json-server {results['machine']['json-server']}"
        f" — {results['date']}",
        "",
        "| target | requests/s | p50 ms | p99 ms | mean ms | bytes/response | errors "
        "| other load (cores) |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    cache = results.get("page_cache", "on")
    service_name = f"service, via gateway + token (inventory page cache {cache})"
    for name, run in ((service_name, real), ("json-server mock", mock)):
        errors = sum(run.errors.values())
        lines.append(
            f"| {name} | {run.requests_per_second:.0f} | {run.p50_ms:.1f} | {run.p99_ms:.1f} "
            f"| {run.mean_ms:.1f} | {run.bytes_per_request:.0f} | {errors or 'none'} "
            f"| {run.other_load_cores:.2f} |"
        )
    lines += [
        "",
        f"ratio service/mock: {ratio:.2f}x requests/s; p50 {real.p50_ms / mock.p50_ms:.1f}x, "
        f"p99 {real.p99_ms / mock.p99_ms:.1f}x. Target (>= 1.00x requests/s): "
        + ("met" if ratio >= 1 else "NOT met"),
    ]
    if results["rounds"] > 1:
        lines += [
            "",
            "Every round (requests/s; the table shows each target's median undisturbed round;",
            "* = other processes used over 0.2 cores meanwhile):",
        ]
        for name, target_runs in runs.items():
            rates = ", ".join(
                f"{r.requests_per_second:.0f}" + ("*" if r.other_load_cores > NOISY_CORES else "")
                for r in target_runs
            )
            lines.append(f"- {name}: {rates}")
    lines += ["", "Other hops, measured alone (same load):"] if len(runs) > 2 else []
    for name, target_runs in runs.items():
        if name in ("service", "mock"):
            continue
        run = pick(target_runs)
        lines.append(
            f"- {name}: {run.requests_per_second:.0f} requests/s, p50 {run.p50_ms:.1f} ms, "
            f"p99 {run.p99_ms:.1f} ms ({run.url}{run.path})"
        )
    lines += ["", "CPU per request (ms, every process of the stack, during the measured run):"]
    for name, target_runs in runs.items():
        run = pick(target_runs)
        spent = ", ".join(f"{label} {ms:.2f}" for label, ms in run.cpu_ms_per_request.items())
        total = sum(run.cpu_ms_per_request.values())
        lines.append(f"- {name}: {total:.2f} in all = {spent}")
    lines += ["", "Commands:", f"    {results['command']}"]
    lines += [f"    {pick(target_runs).command}" for target_runs in runs.values()]
    lines += ["", "Machine:"]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    noisy = [r for r in results["runs"] if r.other_load_cores > NOISY_CORES]
    if noisy:
        lines += ["", "NOISY: other processes used CPU during some runs (cores busy meanwhile):"]
        lines += [f"- {r.target}: {r.other_load_cores:.2f}" for r in noisy]
    invalid = [r for r in results["runs"] if not r.valid]
    if invalid:
        lines += ["", "INVALID: some runs had errors or non-2xx answers: "]
        lines += [f"- {r.target}: {r.errors}" for r in invalid]
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/inventory/run.sh", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per run (20)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per run (5)")
    parser.add_argument("--rounds", type=int, default=1, help="service/mock pairs to run (1)")
    parser.add_argument(
        "--hops",
        action="store_true",
        help="also measure inventory direct (no gateway) and auth's /auth/verify alone, with "
        "keep-alive and with a new connection per request (as ForwardAuth mostly makes them)",
    )
    parser.add_argument(
        "--gateway", help="use a running suite at this URL instead of starting `sbctl up`"
    )
    parser.add_argument(
        "--service-port-base",
        type=int,
        help="with --gateway: its SERVICE_PORT_BASE, for --hops",
    )
    parser.add_argument(
        "--page-cache",
        choices=("on", "off"),
        default="on",
        help="inventory's in-memory list pages (on, as deployed); off reads Postgres every time "
        "(only when this script starts the suite)",
    )
    parser.add_argument("--database", default="switchboard_bench", help="(switchboard_bench)")
    parser.add_argument("--state-dir", default=".run/bench", help="relative to the repo")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each measured run, wait up to this many seconds for other processes on "
        "the machine to use under 15%% of a core (120)",
    )
    parser.add_argument(
        "--noisy-retries",
        type=int,
        default=2,
        help="measure a run again when other processes used over 0.2 cores meanwhile (2)",
    )
    parser.add_argument(
        "--report-from",
        metavar="JSON",
        help="print the report of an earlier run from its results file, and run nothing",
    )
    parser.add_argument("--port-search-from", type=int, default=28100, help=argparse.SUPPRESS)
    parser.add_argument("--json", help="write the results here too (default: <state dir>)")
    args = parser.parse_args(argv)
    for name in ("connections", "threads", "duration", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 0 <= args.warmup <= 120 or args.duration > 600:
        parser.error("keep runs bounded: --warmup 0..120, --duration 1..600")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = "bench/inventory/run.sh" + (
        " " + shlex.join(argv if argv is not None else sys.argv[1:])
        if (argv if argv is not None else sys.argv[1:])
        else ""
    )
    if args.report_from:
        saved = json.loads(Path(args.report_from).read_text())
        print(report({**saved, "runs": [Run(**run) for run in saved["runs"]]}))
        return 0
    state_dir = Path(args.state_dir)
    (ROOT / state_dir).mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack, handled_signals():
        OURS.database = args.database
        if args.gateway:
            OURS.everything_matching = True
            gateway = args.gateway.rstrip("/")
            suite = Suite(gateway=gateway, service_port_base=args.service_port_base)
        else:
            suite = start_suite(args, stack)
        check_inventory_routed(suite.gateway)
        account = Account(suite.gateway)
        token = account.token()
        records = export_records(suite.gateway, token)
        pages = -(-len(records) // PAGE_SIZE)
        mock_url = start_mock(stack, state_dir)
        check_same_pages(suite.gateway, mock_url, token, pages)
        check_page_cache(suite.gateway, token, args.page_cache)
        service = Target(
            "service", suite.gateway, f"/dids?page=%d&per_page={PAGE_SIZE}", pages, True
        )
        mock = Target("mock", mock_url, f"/dids?_page=%d&_limit={PAGE_SIZE}", pages, False)
        runs: list[Run] = []
        for round_number in range(args.rounds):
            pair = (mock, service) if round_number % 2 == 0 else (service, mock)
            for target in pair:
                runs.append(measure(target, args=args, account=account))
        if args.hops:
            inventory_url, auth_url = suite.direct(2), suite.direct(1)
            if inventory_url is None or auth_url is None:
                raise BenchError("--hops with --gateway needs --service-port-base")
            for target in (
                Target("inventory direct", inventory_url, service.path, pages, True),
                Target("auth /auth/verify direct", auth_url, "/auth/verify", 1, True),
                Target(
                    "auth /auth/verify direct, a new connection each",
                    auth_url,
                    "/auth/verify",
                    1,
                    True,
                    close=True,
                ),
            ):
                runs.append(measure(target, args=args, account=account))
        results = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command,
            "rounds": args.rounds,
            "page_cache": args.page_cache,
            "machine": machine(),
            "runs": runs,
        }
        text = report(results)
        print(text)
        out = Path(args.json) if args.json else ROOT / state_dir / "inventory-results.json"
        out.write_text(json.dumps({**results, "runs": [asdict(r) for r in runs]}, indent=2) + "\n")
        say(f"results written to {out}")
        return 0 if all(r.valid for r in runs) else 1


@contextlib.contextmanager
def handled_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so whatever was started is stopped."""

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        say(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        say("interrupted; everything started was stopped")
        sys.exit(130)
