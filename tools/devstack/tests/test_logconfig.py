"""A service's logging under `sbctl up`: failed requests are logged, successful ones are not."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from devstack.config import StackConfig
from devstack.logconfig import ACCESS_LOGGER, render_log_config, write_log_config
from switchkit.logging import configure_logging
from switchkit.middleware import RequestContextMiddleware

from .conftest import REPO_ROOT


@pytest.fixture
def service_logging(tmp_path: Path) -> Iterator[None]:
    """Logging set up as in a service the runner started: uvicorn applies the runner's file
    (`--log-config`), then the kit's app factory configures its JSON handler."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    uvicorn.Config(app="unused:app", log_config=str(write_log_config(config)))
    configure_logging(service="svc")
    try:
        yield
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger(ACCESS_LOGGER).filters.clear()


async def _request(status: int) -> None:
    """One request through the kit's access-logging middleware, answered with `status`."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        pass

    scope: Scope = {"type": "http", "method": "GET", "path": "/dids", "headers": []}
    await RequestContextMiddleware(app)(scope, receive, send)


def _logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.usefixtures("service_logging")
@pytest.mark.parametrize("status", [200, 201, 204, 304])
async def test_a_successful_request_writes_no_access_line(
    status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    await _request(status)
    assert _logged(capsys) == []


@pytest.mark.usefixtures("service_logging")
@pytest.mark.parametrize("status", [400, 404, 409, 500, 503])
async def test_a_failed_request_keeps_its_access_line(
    status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    await _request(status)
    [line] = _logged(capsys)
    assert (line["logger"], line["msg"], line["status"], line["path"]) == (
        ACCESS_LOGGER,
        "request",
        status,
        "/dids",
    )


@pytest.mark.usefixtures("service_logging")
def test_what_a_service_itself_logs_is_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("inventory.dids").info("did created", extra={"did_id": 7})
    [line] = _logged(capsys)
    assert (line["level"], line["msg"], line["did_id"]) == ("info", "did created", 7)


def test_the_file_is_json_in_the_state_dir(tmp_path: Path) -> None:
    config = StackConfig.from_env({"SWITCHBOARD_STATE_DIR": str(tmp_path)}, cwd=REPO_ROOT)
    path = write_log_config(config)
    assert path == tmp_path / "logging.json"
    assert json.loads(path.read_text()) == render_log_config()
