#!/usr/bin/env bash
# Lint, type-check and test every package. Run inside the workspace venv (uv run) and next to
# running Postgres, Redis and NATS (`make test` wraps it in `sbctl infra`).
#
# Usage: scripts/test.sh [lint|typecheck|pytest]...   (no argument: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

packages=(libs/*/ services/*/ tools/*/ gateway/portal/ bench/)
packages=("${packages[@]%/}")
src_dirs=()
for pkg in "${packages[@]}"; do
    [ -d "$pkg/src" ] && src_dirs+=("$pkg/src")
done
src_path="$(IFS=:; echo "${src_dirs[*]}")"

lint() {
    ruff check .
    ruff format --check .
}

# One mypy run per package: every package has a tests/ folder, which mypy would otherwise see
# as one module named `tests` several times. Module names come from MYPYPATH: every src dir
# (so packages import each other by name) plus the package's own dir (so its tests are `tests`).
typecheck() {
    local pkg targets
    for pkg in "${packages[@]}"; do
        targets=()
        [ -d "$pkg/src" ] && targets+=("$pkg/src")
        [ -d "$pkg/tests" ] && targets+=("$pkg/tests")
        [ "${#targets[@]}" -gt 0 ] || continue
        echo "mypy: $pkg"
        MYPYPATH="$src_path:$pkg" mypy "${targets[@]}"
    done
    echo "mypy: tests/e2e"
    MYPYPATH="$src_path" mypy tests/e2e
    # The benchmarks' scenario scripts, on the harness (bench/src/harness, checked above).
    echo "mypy: bench scenarios"
    MYPYPATH="$src_path" mypy bench/*/bench.py
}

# One pytest session per test folder, for the same reason; all run even if one fails, and the
# end-to-end tests come last. A session that hangs (a test waiting on a lock it holds itself)
# is stopped after PYTEST_SESSION_TIMEOUT seconds, so CI fails instead of stalling.
run_pytest() {
    local dir failed=()
    for dir in libs/*/tests services/*/tests tools/*/tests gateway/portal/tests bench/tests tests/e2e; do
        echo "pytest: $dir"
        # --foreground: Ctrl-C still reaches pytest, so its fixtures tear down.
        timeout --foreground --kill-after=30 "${PYTEST_SESSION_TIMEOUT:-900}" pytest "$dir" ||
            failed+=("$dir")
    done
    if [ "${#failed[@]}" -gt 0 ]; then
        echo "pytest failed in: ${failed[*]}" >&2
        return 1
    fi
}

stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(lint typecheck pytest)
for stage in "${stages[@]}"; do
    case "$stage" in
        lint) lint ;;
        typecheck) typecheck ;;
        pytest) run_pytest ;;
        *) echo "unknown stage: $stage (lint, typecheck, pytest)" >&2; exit 2 ;;
    esac
done
