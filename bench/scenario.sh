# Sourced by bench/<name>/run.sh: install what a benchmark needs, then run its bench.py.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../scenario.sh"
#   need_debian_packages wrk
#   run_scenario "$@"

bench_here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
bench_root="$(cd "$bench_here/../.." && pwd)"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else
        echo "run.sh: cannot install packages (not root, no sudo): $*" >&2
        return 1
    fi
}

# Each argument is a command and the Debian package that brings it, as command[=package].
need_debian_packages() {
    local wanted missing=()
    for wanted in "$@"; do
        command -v "${wanted%%=*}" >/dev/null || missing+=("${wanted#*=}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "run.sh: installing ${missing[*]} from Debian's packages" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# The scenario's bench.py with the workspace's Python, from the repository root, as the module
# bench.<name>.bench (so that one scenario may import another's helpers).
run_scenario() {
    local python="$bench_root/.venv/bin/python"
    if [ ! -x "$python" ]; then
        echo "run.sh: $python missing: run \`make bootstrap\` first" >&2
        exit 1
    fi
    cd "$bench_root"
    exec "$python" -m "bench.$(basename "$bench_here").bench" "$@"
}
