#!/usr/bin/env bash
# GET /books with the cache hitting against GET /dids from inventory's page cache, both loaded
# on one suite in the same run (issue 9: books >= 0.8x dids). See docs/benchmarks.md;
# `run.sh --help` for options.
#
# Installs wrk first if it is missing (Debian's package). Needs the workspace synced (.venv,
# e.g. after `make up` or `make bootstrap`). Starts its own `sbctl up` on the first free block
# of ports from 26100, database switchboard_bench_compare, Redis db 10, state dir
# .run/bench-compare, and stops it at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scenario.sh"

need_debian_packages wrk
run_scenario "$@"
