#!/usr/bin/env bash
# The reviews benchmark: GET /books through the gateway with a token, on 1,000 books, with the
# page cache hitting, disabled (every read from Postgres) and with Redis down. See
# docs/benchmarks.md; `run.sh --help` for options.
#
# Installs wrk first if it is missing (Debian's package). Needs the workspace synced (.venv,
# e.g. after `make up` or `make bootstrap`) and uses the Postgres, Redis and NATS that answer
# on their usual ports (or starts them, as `make up` does). Starts its own suite per mode on
# the first free block of ports from 25100 (the gateway 20 above it), database
# switchboard_bench_reviews, Redis db 9, state dir .run/bench-reviews, and stops it after each
# mode. About 3 minutes with the defaults.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scenario.sh"

need_debian_packages wrk
run_scenario "$@"
