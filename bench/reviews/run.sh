#!/usr/bin/env bash
# The reviews benchmark: GET /books through the gateway with a token, on 1,000 books, with the
# page cache hitting, disabled (every read from Postgres) and with Redis down. See
# docs/benchmarks.md; `run.sh --help` for options.
#
# Installs wrk first if it is missing (Debian's package). Needs the workspace synced (.venv,
# e.g. after `make up` or `make bootstrap`) and uses the Postgres, Redis and NATS that answer
# on their usual ports (or starts them, as `make up` does). Starts its own suite per mode on
# ports 25080 and 25100-25107, database switchboard_bench_reviews, Redis db 9, state dir
# .run/bench-reviews, and stops it after each mode. About 2 minutes with the defaults.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v wrk >/dev/null; then
    echo "run.sh: installing wrk from Debian's packages" >&2
    if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo); else
        echo "run.sh: cannot install wrk (not root, no sudo): install it and run again" >&2
        exit 1
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

python="$root/.venv/bin/python"
if [ ! -x "$python" ]; then
    echo "run.sh: $python missing: run \`make bootstrap\` first" >&2
    exit 1
fi
cd "$root"
exec "$python" "$here/bench.py" "$@"
