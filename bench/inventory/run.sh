#!/usr/bin/env bash
# The inventory benchmark: GET /dids through the gateway with a token, side by side with the
# json-server mock the frontend team used. See docs/benchmarks.md; `run.sh --help` for options.
#
# Installs what it needs first: wrk (Debian's package) and json-server@0.17.4 (npm ci, from
# this folder's package-lock.json into node_modules/). Needs the workspace synced (.venv, e.g.
# after `make up` or `make bootstrap`). Starts its own `sbctl up` on the first free block of
# ports from 28100, with its own database (switchboard_bench), Redis db 3 and state dir
# (.run/bench), and stops it at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scenario.sh"

need_debian_packages wrk node=nodejs npm
installed="$(cd "$bench_here" && node -p 'require("json-server/package.json").version' 2>/dev/null || true)"
if [ "$installed" != "0.17.4" ]; then
    echo "run.sh: npm ci (json-server@0.17.4 into bench/inventory/node_modules)" >&2
    (cd "$bench_here" && npm ci --no-audit --no-fund --loglevel=error)
fi
run_scenario "$@"
