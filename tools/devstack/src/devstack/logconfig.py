"""The logging setup the services run with under `sbctl up`: no line for a successful request.

The gateway's access log (`.run/traefik/access.log`) records every request, so a service's own
access line for a success only repeats it; relayed to the terminal by the process manager it
would cost the runner CPU on every request. Failures keep their line: they are what a
developer looks for. uvicorn applies this file (`--log-config`) before it builds the app, and
the kit's `configure_logging` then replaces the handlers but keeps the access logger's filter.
"""

import json
import logging
from pathlib import Path
from typing import Any

from devstack.config import StackConfig

__all__ = [
    "ACCESS_LOGGER",
    "FailuresOnly",
    "log_config_path",
    "render_log_config",
    "write_log_config",
]

# The logger of the kit's RequestContextMiddleware, one record per request with its status.
ACCESS_LOGGER = "switchkit.access"


class FailuresOnly(logging.Filter):
    """Drops the access records of answers below 400; keeps failures, requests that got no
    answer (status 0) and anything else the logger says (a crash is logged there too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the record is written."""
        status = getattr(record, "status", None)
        succeeded = isinstance(status, int) and 0 < status < 400
        return record.levelno >= logging.WARNING or not succeeded


def render_log_config() -> dict[str, Any]:
    """A `logging.config.dictConfig` schema that only adds the filter to the access logger."""
    return {
        "version": 1,
        # uvicorn's own loggers exist already; they must keep working.
        "disable_existing_loggers": False,
        "filters": {"failures_only": {"()": f"{__name__}.{FailuresOnly.__name__}"}},
        "loggers": {ACCESS_LOGGER: {"filters": ["failures_only"]}},
    }


def log_config_path(config: StackConfig) -> Path:
    """Where the file is kept."""
    return config.state_dir / "logging.json"


def write_log_config(config: StackConfig) -> Path:
    """Write the file into the state dir and return its path."""
    target = log_config_path(config)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(render_log_config(), indent=2) + "\n", encoding="utf-8")
    return target
