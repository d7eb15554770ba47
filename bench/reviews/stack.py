"""`sbctl up` with the reviews replicas' settings changed, for the benchmark's cache modes.

    BENCH_REVIEWS_ENV='{"CACHE_ENABLED": "false"}' python bench/reviews/stack.py

The object of BENCH_REVIEWS_ENV holds settings named without the `REVIEWS_` prefix; they go
over the runner's own (as a ServiceSpec's `extra_env` does), so `REDIS_URL` can point the
reviews replicas, and only them, at a dead port while auth keeps its Redis. Everything else is
`sbctl up` as it is: the same environment variables (ports, database, state dir), the same
infra reuse, and SIGTERM or Ctrl-C stops everything it started.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

from devstack.config import StackConfig
from devstack.console import warn
from devstack.errors import DevstackError
from devstack.services import SERVICES
from devstack.signals import Terminated, raise_on_termination
from devstack.up import run_up

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    overrides = json.loads(os.environ.get("BENCH_REVIEWS_ENV") or "{}")
    services = tuple(
        dataclasses.replace(spec, extra_env={**spec.extra_env, **overrides})
        if spec.name == "reviews"
        else spec
        for spec in SERVICES
    )
    raise_on_termination()
    try:
        return run_up(StackConfig.from_env(cwd=ROOT), services=services)
    except (DevstackError, ValueError) as exc:
        warn(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143


if __name__ == "__main__":
    sys.exit(main())
