"""CPU the runner spends per request through the gateway, with the whole suite under `sbctl up`.

    .venv/bin/python tools/devstack/bench/relay_cpu.py --gateway-port 28080 \
        --service-port-base 28100 [--path /health] [--seconds 15] [--rounds 3]

Starts this checkout's `sbctl up` on the given ports (database, Redis db and state dir of its
own; output in `<state dir>/sbctl.log`), waits for `/health`, measures the runner idle for
`--seconds`, then loads `--path` through the gateway with `wrk -t1 -c4` for `--seconds`,
`--rounds` times. Per round: requests, lines the runner wrote (relayed) and the runner's CPU,
which is `sbctl` plus its descendants running the same program (honcho's helper processes),
not the services or Traefik. CPU comes from /proc in clock ticks (10 ms): use rounds long
enough for the figures to be well above that. The default `/health` is answered by the portal
after asking every service's `/health`, so one request reaches five processes; `/auth/me`
without a token is a failure that auth logs, one relayed line per request.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

import httpx

ROOT = Path(__file__).resolve().parents[3]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_SECONDS = 300.0


def runner_cpu(root: int) -> float:
    """CPU seconds of `root` and of its descendants that run the same command line."""
    processes: dict[int, tuple[int, bytes, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        processes[int(entry.name)] = (int(fields[1]), cmdline, cpu)
    ours, grew = {root}, True
    while grew:
        more = {pid for pid, (parent, _, _) in processes.items() if parent in ours} - ours
        grew = bool(more)
        ours |= more
    command = processes[root][1]
    return sum(cpu for pid, (_, cmd, cpu) in processes.items() if pid in ours and cmd == command)


def wrk(url: str, seconds: int) -> tuple[int, bool]:
    """Requests answered in a `wrk -t1 -c4` run, and whether any answer was not a 2xx/3xx."""
    result = subprocess.run(  # noqa: S603 (our own arguments)
        ["wrk", "-t1", "-c4", f"-d{seconds}s", url],  # noqa: S607 (wrk from PATH)
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"(\d+) requests in", result.stdout)
    if match is None:
        raise SystemExit(f"wrk: unexpected output\n{result.stdout}")
    return int(match.group(1)), "Non-2xx" in result.stdout


def _lines(log: Path) -> int:
    return log.read_bytes().count(b"\n")


def _wait_until_up(sbctl: subprocess.Popen[bytes], gateway: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while sbctl.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{gateway}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"sbctl up did not come up; see {log}")


def measure(args: argparse.Namespace, sbctl: subprocess.Popen[bytes], log: Path) -> None:
    """Print the idle cost, then each round's figures and their medians."""
    gateway = f"http://127.0.0.1:{args.gateway_port}"
    _wait_until_up(sbctl, gateway, log)
    time.sleep(3)  # let start-up output settle
    before = runner_cpu(sbctl.pid)
    time.sleep(args.seconds)
    idle = (runner_cpu(sbctl.pid) - before) / args.seconds
    print(f"idle: {idle * 1e3:.2f} ms of runner CPU per second", flush=True)
    per_request, per_line = [], []
    for _ in range(args.rounds):
        cpu_before, lines_before = runner_cpu(sbctl.pid), _lines(log)
        requests, failures = wrk(gateway + args.path, args.seconds)
        time.sleep(1)  # what was read is written
        cpu = runner_cpu(sbctl.pid) - cpu_before - idle * (args.seconds + 1)
        lines = _lines(log) - lines_before
        per_request.append(cpu / requests * 1e3)
        if lines:
            per_line.append(cpu / lines * 1e6)
        print(
            f"{requests} requests ({requests / args.seconds:.0f}/s"
            f"{', some not 2xx/3xx' if failures else ''}), {lines} lines relayed "
            f"({lines / requests:.2f} per request), runner CPU beyond idle {cpu:.2f} s: "
            f"{cpu / requests * 1e3:.3f} ms per request",
            flush=True,
        )
    summary = f"median: {median(per_request):.3f} ms of runner CPU per request"
    if per_line:
        summary += f", {median(per_line):.1f} us per relayed line"
    print(summary)


def main() -> None:
    """Run the suite, measure, stop it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway-port", type=int, required=True)
    parser.add_argument("--service-port-base", type=int, required=True)
    parser.add_argument("--database", default="switchboard_bench_runner")
    parser.add_argument("--redis-db", type=int, default=4)
    parser.add_argument("--state-dir", default=".run/bench-runner")
    parser.add_argument("--path", default="/health")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    log = ROOT / args.state_dir / "sbctl.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GATEWAY_PORT": str(args.gateway_port),
        "SERVICE_PORT_BASE": str(args.service_port_base),
        "SWITCHBOARD_DATABASE": args.database,
        "SWITCHBOARD_REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "SWITCHBOARD_STATE_DIR": args.state_dir,
    }
    with log.open("wb") as out:
        sbctl = subprocess.Popen(
            [sys.executable, "-m", "devstack", "up"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        measure(args, sbctl, log)
    finally:
        sbctl.send_signal(signal.SIGTERM)
        sbctl.wait(timeout=60)


if __name__ == "__main__":
    main()
