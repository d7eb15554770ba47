"""GET /books with the cache hitting against GET /dids from inventory's page cache, on one suite.

Issue 9 asks that the reviews list, answered from its Redis page cache, serve at least 0.8x
the requests/s of inventory's list answered from its in-process page cache: both a page of a
list from a cache, behind the same gateway and ForwardAuth. Run it with
`bench/compare/run.sh`; `--help` lists the options. On the harness (bench/src/harness):

1. starts one suite with `sbctl up` on free ports, as `make up` runs it (both caches on);
2. adds books through the API until there are 1,000 (once: the database is kept); the DIDs
   are the 800 the runner seeds;
3. checks that both lists answer `X-Cache: HIT` on a page read again;
4. loads each in turn with the same wrk settings, alternating which goes first from round to
   round: `GET /books?page=N&per_page=20` and `GET /dids?page=N&per_page=50` (each
   benchmark's page size) through the gateway with a token, N cycling over every page,
   counting the `X-Cache` answers.

The harness prints the report (each list's median round, the ratio of books to DIDs round by
round and of the medians, the CPU of every process per request, the commands, the machine)
and writes it as JSON.
"""

from __future__ import annotations

import sys

from bench.reviews.bench import book
from harness import Bench, Defaults, Ratio, Report, WrkLoad, api, parser, run

TARGET = 0.8
DEFAULTS = Defaults(
    connections=32,
    threads=1,
    database="switchboard_bench_compare",
    # A Redis db of its own: reviews' page cache keys do not name the database.
    redis_url="redis://127.0.0.1:6379/10",
    state_dir=".run/bench-compare",
    port_base=26100,
    results="results.json",
)


def scenario(bench: Bench) -> Report:
    args = bench.args
    with bench.suite() as suite:
        account = bench.account(suite)
        token = account.token()
        books = api.fill(suite.gateway, "/books", token=token, wanted=args.books, body=book)
        dids = api.total(suite.gateway, "/dids", token=token)
        lists = {
            "books": (f"/books?page=%d&per_page={args.books_per_page}", books, args.books_per_page),
            "dids": (f"/dids?page=%d&per_page={args.dids_per_page}", dids, args.dids_per_page),
        }
        loads: dict[str, WrkLoad] = {}
        for name, (path, count, per_page) in lists.items():
            api.wait_for_header(
                f"{suite.gateway}{path % 1}", token=token, header="x-cache", value="HIT"
            )
            loads[name] = bench.wrk(
                url=suite.gateway,
                path=path,
                pages=-(-count // per_page),
                token=account.token,
                count_header="X-Cache",
            )
        for round_number in bench.rounds():
            order = ["dids", "books"] if round_number % 2 else ["books", "dids"]
            for name in order:
                bench.measure(name, loads[name], round_number=round_number)
    return bench.report(
        title="GET /books (reviews, Redis page cache) vs GET /dids (inventory, in-process page "
        "cache), through the gateway with a token, on one suite",
        targets={
            "books": f"GET /books, cache hit ({books} books, per_page={args.books_per_page})",
            "dids": f"GET /dids, page cache ({dids} DIDs, per_page={args.dids_per_page})",
        },
        ratios=[Ratio(numerator="books", denominator="dids", target=TARGET)],
        notes=["both lists measured on the same suite, one after the other in each round"],
        expected={name: "X-Cache: HIT" for name in lists},
        settings={
            "books": books,
            "dids": dids,
            "books_per_page": args.books_per_page,
            "dids_per_page": args.dids_per_page,
        },
    )


def main(argv: list[str]) -> int:
    p = parser(
        prog="bench/compare/run.sh", description=__doc__.split("\n", 1)[0], defaults=DEFAULTS
    )
    p.add_argument("--books", type=int, default=1000, help="books in the list (%(default)s)")
    p.add_argument("--books-per-page", type=int, default=20, help="(%(default)s, as bench/reviews)")
    p.add_argument(
        "--dids-per-page", type=int, default=50, help="(%(default)s, as bench/inventory)"
    )
    return run(scenario, name="compare", parser=p, argv=argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
