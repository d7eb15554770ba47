#!/usr/bin/env bash
# The inventory benchmark: GET /dids through the gateway with a token, side by side with the
# json-server mock the frontend team used. See docs/benchmarks.md; `run.sh --help` for options.
#
# Installs what it needs first: wrk (Debian's package) and json-server@0.17.4 (npm ci, from
# this folder's package-lock.json into node_modules/). Needs the workspace synced (.venv, e.g.
# after `make up` or `make bootstrap`). Starts its own `sbctl up` on free ports, with its own
# database (switchboard_bench) and state dir (.run/bench), and stops it at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else
        echo "run.sh: cannot install packages (not root, no sudo): $*" >&2
        return 1
    fi
}

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: installing ${missing[*]} from Debian's packages" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

installed="$(cd "$here" && node -p 'require("json-server/package.json").version' 2>/dev/null || true)"
if [ "$installed" != "0.17.4" ]; then
    echo "run.sh: npm ci (json-server@0.17.4 into bench/inventory/node_modules)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

python="$root/.venv/bin/python"
if [ ! -x "$python" ]; then
    echo "run.sh: $python missing: run \`make bootstrap\` first" >&2
    exit 1
fi
cd "$root"
exec "$python" "$here/bench.py" "$@"
