"""GET /dids through the gateway, with a token, against the json-server mock: side by side.

Run it with `bench/inventory/run.sh` (which installs wrk and json-server first); `--help` lists
the options. On the harness (bench/src/harness), in order:

1. starts the suite with `sbctl up` on free ports, the page cache as `--page-cache` says
   (or uses a running suite, `--gateway`);
2. exports the 800 seeded DIDs through the API into bench/inventory/db.json, after checking
   they are exactly `inventory.dids.seed.seed_rows()` as the API shows them;
3. starts json-server 0.17.4 on that file as the frontend team ran it, and checks every page
   holds the same records, with the same X-Total-Count, in the mock and in the service;
4. loads both with wrk (`GET /dids?page=N&per_page=50` with a token, the mock's
   `/dids?_page=N&_limit=50`, N cycling over every page), alternating which goes first from
   round to round; with `--hops`, inventory without the gateway and auth's /auth/verify alone.

The harness prints the report (requests/s, latencies, the ratio, the CPU of every process per
request, the commands, the machine) and writes it as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from harness import (
    ROOT,
    Bench,
    BenchError,
    Defaults,
    Ratio,
    Report,
    WrkLoad,
    api,
    parser,
    run,
    say,
)
from harness.machine import first_line
from harness.suite import free_port, wait_until
from inventory.dids.numbers import international
from inventory.dids.seed import seed_rows

HERE = Path(__file__).resolve().parent
JSON_SERVER = HERE / "node_modules" / "json-server" / "lib" / "cli" / "bin.js"
DB_JSON = HERE / "db.json"
EXPECTED_DIDS = 800
PAGE_SIZE = 50
SERVICE_PATH = f"/dids?page=%d&per_page={PAGE_SIZE}"
MOCK_PATH = f"/dids?_page=%d&_limit={PAGE_SIZE}"
DEFAULTS = Defaults(
    connections=32,
    threads=1,
    database="switchboard_bench",
    redis_url="redis://127.0.0.1:6379/3",
    state_dir=".run/bench",
    port_base=28100,
    results="inventory-results.json",
)


def json_server_version() -> str:
    package = HERE / "node_modules" / "json-server" / "package.json"
    return str(json.loads(package.read_text())["version"])


def check_inventory_routed(gateway: str) -> None:
    status = httpx.get(f"{gateway}/dids", timeout=10).status_code
    if status != 401:
        raise BenchError(
            f"GET {gateway}/dids without a token answered {status}, not 401: "
            "is inventory registered in tools/devstack and gateway/dynamic/inventory.yml?"
        )


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


def export_records(gateway: str, token: str) -> list[dict[str, Any]]:
    """Every DID through the API, checked against the seed, written to db.json for the mock."""
    headers = {"Authorization": f"Bearer {token}"}
    records: list[dict[str, Any]] = []
    for page in range(1, EXPECTED_DIDS):
        response = httpx.get(
            f"{gateway}/dids", params={"page": page, "per_page": 100}, headers=headers, timeout=30
        )
        response.raise_for_status()
        if not response.json():
            break
        records.extend(response.json())
    without_ids = sorted(tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in records)
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


def start_mock(bench: Bench) -> str:
    """json-server as the frontend team ran it: the CLI with its defaults (request log too)."""
    if not JSON_SERVER.exists():
        raise BenchError(f"{JSON_SERVER} missing: run bench/inventory/run.sh (it runs npm ci)")
    port = free_port()
    argv = ["node", str(JSON_SERVER), "--host", "127.0.0.1", "--port", str(port), str(DB_JSON)]
    mock = bench.start("json-server", argv, label="json-server (node)", cwd=HERE)
    url = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: httpx.get(f"{url}/dids?_page=1&_limit=1", timeout=5).status_code == 200,
        what="json-server",
        timeout=30,
        process=mock,
    )
    say(f"json-server {json_server_version()} on {url}")
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


def scenario(bench: Bench) -> Report:
    args = bench.args
    # inventory.config: page_cache_size, 1024 as deployed; 0 turns the list-page cache off.
    settings = {"inventory": {"PAGE_CACHE_SIZE": "0"}} if args.page_cache == "off" else {}
    with bench.suite(settings=settings) as suite:
        check_inventory_routed(suite.gateway)
        account = bench.account(suite)
        token = account.token()
        pages = -(-len(export_records(suite.gateway, token)) // PAGE_SIZE)
        mock_url = start_mock(bench)
        check_same_pages(suite.gateway, mock_url, token, pages)
        # The page cache is as the report will say: a page read again is a HIT only if on.
        api.wait_for_header(
            f"{suite.gateway}{SERVICE_PATH % 1}",
            token=token,
            header="x-cache",
            value="HIT" if args.page_cache == "on" else "BYPASS",
        )
        service = bench.wrk(url=suite.gateway, path=SERVICE_PATH, pages=pages, token=account.token)
        mock = bench.wrk(url=mock_url, path=MOCK_PATH, pages=pages)
        for round_number in bench.rounds():
            pair: list[tuple[str, WrkLoad]] = [("mock", mock), ("service", service)]
            for name, load in pair if round_number % 2 else reversed(pair):
                bench.measure(name, load, round_number=round_number)
        targets = {
            "service": f"service, via gateway + token (inventory page cache {args.page_cache})",
            "mock": f"json-server {json_server_version()} mock",
        }
        if args.hops:
            inventory, auth = suite.direct("inventory"), suite.direct("auth")
            hops = {
                "inventory direct": (inventory, SERVICE_PATH, pages, False),
                "auth /auth/verify direct": (auth, "/auth/verify", 1, False),
                "auth /auth/verify direct, a new connection each": (auth, "/auth/verify", 1, True),
            }
            for name, (url, path, hop_pages, close) in hops.items():
                load = bench.wrk(
                    url=url, path=path, pages=hop_pages, token=account.token, close=close
                )
                bench.measure(name, load)
                targets[name] = f"{name} ({url}{path.replace('%d', 'N')})"
    return bench.report(
        title=f"Inventory GET /dids vs json-server {json_server_version()}",
        targets=targets,
        ratios=[Ratio(numerator="service", denominator="mock", target=1.0)],
        settings={"page_cache": args.page_cache, "hops": args.hops},
        machine_extra={
            "node": first_line(["node", "--version"]),
            "json-server": json_server_version(),
        },
    )


def main(argv: list[str]) -> int:
    p = parser(
        prog="bench/inventory/run.sh",
        description=__doc__.split("\n", 1)[0],
        defaults=DEFAULTS,
        running_suite=True,
    )
    p.add_argument(
        "--page-cache",
        choices=("on", "off"),
        default="on",
        help="inventory's in-memory list pages (on, as deployed); off reads Postgres every "
        "time (only when the benchmark starts the suite)",
    )
    p.add_argument(
        "--hops",
        action="store_true",
        help="also measure inventory direct (no gateway) and auth's /auth/verify alone, with "
        "keep-alive and with a new connection per request (as ForwardAuth mostly makes them)",
    )
    return run(scenario, name="inventory", parser=p, argv=argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
