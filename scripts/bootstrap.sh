#!/usr/bin/env bash
# Make sure uv exists, then install the whole workspace into .venv exactly as uv.lock says.
#
# Needs only a Python 3.11+ (Debian 12's python3.11). uv on PATH is used as it is; otherwise
# uv is pip-installed into .tools/venv, with .tools/bin/uv pointing at it (the Makefile looks
# there). No interpreter is ever downloaded: uv must use this machine's Python.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
TOOLS=.tools

say() { echo "bootstrap | $*"; }

find_python() {
    local candidate
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))'; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

make_tools_venv() {
    # Debian splits venv/ensurepip into python3-venv; without it `-m venv` fails.
    if "$PYTHON" -m venv "$TOOLS/venv" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$TOOLS/venv"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "python venv support is missing; installing python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
        "$PYTHON" -m venv "$TOOLS/venv"
    else
        echo "bootstrap | '$PYTHON -m venv' fails: install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    fi
}

PYTHON="$(find_python)" || {
    echo "bootstrap | Python 3.11 to 3.13 is needed (python3.11 on Debian 12)" >&2
    exit 1
}

if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [ -x "$TOOLS/bin/uv" ]; then
    UV="$TOOLS/bin/uv"
else
    say "installing uv $UV_VERSION into $TOOLS/ with $PYTHON"
    make_tools_venv
    "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    mkdir -p "$TOOLS/bin"
    ln -sf ../venv/bin/uv "$TOOLS/bin/uv"
    UV="$TOOLS/bin/uv"
fi

export UV_PYTHON="$PYTHON" UV_PYTHON_DOWNLOADS=never
"$UV" sync --all-packages --frozen --quiet
say "workspace in sync (uv: $UV, python: $PYTHON)"
