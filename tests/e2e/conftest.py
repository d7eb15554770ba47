"""The whole suite started with `sbctl up` on its own ports, reached through its gateway.

It reuses the Postgres, Redis and NATS that answer (under `make test`, those `sbctl infra`
ensured) with a database, Redis db and state dir of its own, so it can run beside `make up`.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# Another checkout's e2e run (a second developer, CI beside a session) can pick other ports
# and a database of its own through these variables.
GATEWAY_PORT = int(os.environ.get("SWITCHBOARD_E2E_GATEWAY_PORT", "18080"))
SERVICE_PORT_BASE = os.environ.get("SWITCHBOARD_E2E_SERVICE_PORT_BASE", "18100")
DATABASE = os.environ.get("SWITCHBOARD_E2E_DATABASE", "switchboard_e2e")
# Redis is shared by every run on the machine: two runs at once need a db each, or the reviews
# page cache of one would answer the other (its keys do not name the database).
REDIS_DB = os.environ.get("SWITCHBOARD_E2E_REDIS_DB", "2")
STATE_DIR = ".run/e2e"
# The first admin of the e2e suite, made at start-up by auth like any deployment's.
ADMIN_USERNAME = "e2e-admin"
ADMIN_PASSWORD = "e2e admin passphrase"
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0


def _e2e_env() -> dict[str, str]:
    redis = urlsplit(os.environ.get("SWITCHBOARD_REDIS_URL") or "redis://127.0.0.1:6379/0")
    return {
        **os.environ,
        "GATEWAY_PORT": str(GATEWAY_PORT),
        "SERVICE_PORT_BASE": SERVICE_PORT_BASE,
        "SWITCHBOARD_DATABASE": DATABASE,
        "SWITCHBOARD_ADMIN_USERNAME": ADMIN_USERNAME,
        "SWITCHBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SWITCHBOARD_REDIS_URL": urlunsplit(redis._replace(path=f"/{REDIS_DB}")),
        "SWITCHBOARD_STATE_DIR": STATE_DIR,
    }


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_health(url: str, process: subprocess.Popen[bytes]) -> str | None:
    """None once /health answers 200, else why not."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"sbctl up exited with status {process.returncode}"
            try:
                response = client.get(f"{url}/health")
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return None
                last = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.5)
    return f"/health did not answer 200 within {START_TIMEOUT_SECONDS:.0f} s ({last})"


@pytest.fixture(scope="session")
def gateway_url() -> Iterator[str]:
    """Base URL of a gateway in front of every service, for the whole session."""
    url = f"http://127.0.0.1:{GATEWAY_PORT}"
    if _port_taken(GATEWAY_PORT):
        pytest.fail(f"port {GATEWAY_PORT} is taken: is an earlier e2e run still up?")
    log_path = REPO_ROOT / STATE_DIR / "sbctl.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "up"],
            cwd=REPO_ROOT,
            env=_e2e_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        problem = _wait_for_health(url, process)
        if problem is not None:
            _stop(process)
            output = log_path.read_text(errors="replace")
            pytest.fail(f"{problem}; output of sbctl up ({log_path}):\n{output[-20000:]}")
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def gateway(gateway_url: str) -> Iterator[httpx.Client]:
    """A client whose relative URLs go to the gateway."""
    with httpx.Client(base_url=gateway_url, timeout=10.0) as client:
        yield client
