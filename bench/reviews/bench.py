"""GET /books through the gateway, with a token, on 1,000 books: cache hit, cache off, Redis down.

Run it with `bench/reviews/run.sh` (which installs wrk first); `--help` lists the options. On
the harness (bench/src/harness), for each mode of each round:

1. starts the suite with `sbctl up` on free ports, the reviews replicas' settings as the mode
   says (auth and the others as `make up` runs them):
   - `hit`: as deployed, the page cache on;
   - `miss`: `REVIEWS_CACHE_ENABLED=false`, every read from Postgres (`X-Cache: BYPASS`);
   - `redis-down`: `REVIEWS_REDIS_URL` on a port nothing listens on (connections refused), so
     the replicas answer from Postgres behind their circuit breaker (auth keeps its Redis);
2. adds books through the API until there are 1,000 (once: the database is kept);
3. checks that page 1 reads the same bytes in every mode and that `X-Cache` says what the mode
   means;
4. loads `GET /books?page=N&per_page=20` with wrk through the gateway (N cycling over every
   page), counting the `X-Cache` answers;
5. stops the suite.

The harness prints the report (each mode's median round, the CPU of every process per request,
the commands, the machine) and writes it as JSON.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

from harness import Bench, BenchError, Defaults, Ratio, Report, api, parser, run, say

MODES: dict[str, dict[str, str]] = {
    "hit": {},
    "miss": {"CACHE_ENABLED": "false"},
    "redis-down": {"REDIS_URL": "redis://127.0.0.1:{dead_port}/0"},
}
"""The settings each mode gives the reviews replicas (named without the REVIEWS_ prefix)."""
EXPECTED_CACHE = {"hit": "HIT", "miss": "BYPASS", "redis-down": "BYPASS"}
DESCRIBED = {
    "hit": "cache hit",
    "miss": "cache off (every read from Postgres)",
    "redis-down": "Redis down (reviews replicas only)",
}
DEFAULTS = Defaults(
    connections=16,
    threads=2,
    database="switchboard_bench_reviews",
    # A Redis db of its own: the page cache's keys do not name the database.
    redis_url="redis://127.0.0.1:6379/9",
    state_dir=".run/bench-reviews",
    port_base=25100,
    results="results.json",
)


def book(n: int) -> dict[str, Any]:
    """The n-th book the benchmark adds to the list."""
    return {
        "title": f"Bench book {n:04d}",
        "author": f"Author {n % 97}",
        "publishedYear": 1900 + n % 125,
        "description": "A book made by the benchmarks to fill the list.",
    }


def dead_port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def mode_list(text: str) -> list[str]:
    """`hit,miss` -> ["hit", "miss"], each a known mode."""
    modes = [mode.strip() for mode in text.split(",") if mode.strip()]
    if not modes or set(modes) - set(MODES):
        raise argparse.ArgumentTypeError(f"choose among {', '.join(MODES)}, comma-separated")
    return modes


def scenario(bench: Bench) -> Report:
    args = bench.args
    pages = -(-args.books // args.per_page)
    bodies: dict[str, bytes] = {}
    books = 0
    for round_number in bench.rounds():
        for mode in args.modes:
            if mode == "redis-down" and not dead_port_free(args.dead_redis_port):
                raise BenchError(f"something listens on --dead-redis-port {args.dead_redis_port}")
            named = {k: v.format(dead_port=args.dead_redis_port) for k, v in MODES[mode].items()}
            with bench.suite(settings={"reviews": named}, log=f"suite-{mode}") as suite:
                account = bench.account(suite)
                token = account.token()
                books = api.fill(suite.gateway, "/books", token=token, wanted=args.books, body=book)
                if books != args.books:
                    say(f"note: the list holds {books} books, not {args.books}")
                first = api.wait_for_header(
                    f"{suite.gateway}/books?page=1&per_page={args.per_page}",
                    token=token,
                    header="x-cache",
                    value=EXPECTED_CACHE[mode],
                )
                bodies[mode] = first.content
                load = bench.wrk(
                    url=suite.gateway,
                    path=f"/books?page=%d&per_page={args.per_page}",
                    pages=pages,
                    token=account.token,
                    count_header="X-Cache",
                )
                bench.measure(mode, load, round_number=round_number)
    same = len(set(bodies.values())) == 1
    return bench.report(
        title=f"Reviews GET /books through the gateway, {books} books, per_page={args.per_page} "
        f"cycling over {pages} pages, with a token (ForwardAuth to auth on every request)",
        targets={mode: DESCRIBED[mode] for mode in args.modes},
        ratios=[Ratio(numerator="hit", denominator="miss")]
        if {"hit", "miss"} <= set(args.modes)
        else [],
        notes=[
            f"page 1 identical in every mode: {same}",
            "each mode ran on a suite of its own, started for it and stopped after",
        ],
        expected={mode: f"X-Cache: {EXPECTED_CACHE[mode]}" for mode in args.modes},
        settings={
            "modes": args.modes,
            "books": books,
            "per_page": args.per_page,
            "pages": pages,
            "dead_redis_port": args.dead_redis_port,
        },
    )


def main(argv: list[str]) -> int:
    p = parser(
        prog="bench/reviews/run.sh", description=__doc__.split("\n", 1)[0], defaults=DEFAULTS
    )
    p.add_argument("--modes", type=mode_list, default=",".join(MODES), help="(%(default)s)")
    p.add_argument("--books", type=int, default=1000, help="books in the list (%(default)s)")
    p.add_argument("--per-page", type=int, default=20, help="page size (%(default)s)")
    p.add_argument(
        "--dead-redis-port",
        type=int,
        default=25199,
        help="where redis-down points the replicas: nothing may listen there (%(default)s)",
    )
    return run(scenario, name="reviews", parser=p, argv=argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
