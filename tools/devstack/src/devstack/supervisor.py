"""Running the long-lived processes under honcho until they stop or we are told to stop."""

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

import httpx
from honcho.manager import Manager
from honcho.printer import Printer

from devstack.console import TolerantStdout, warn
from devstack.processes import ProcessSpec
from devstack.signals import STOP_SIGNALS

__all__ = ["supervise"]

# What honcho's loop returns after it forwarded our SIGINT / SIGTERM to every process.
_STOPPED_ON_REQUEST = {130, 143}


def supervise(
    processes: Sequence[ProcessSpec],
    *,
    health_url: str,
    ready_timeout: float,
    on_ready: Callable[[], None],
) -> int:
    """Run until a process exits or a signal arrives; honcho then stops the others.

    Returns 0 for a requested stop after a successful start, else non-zero.
    """
    manager = Manager(printer=Printer(TolerantStdout()))
    for process in processes:
        manager.add_process(
            process.name, process.shell_command(), env={**os.environ, **process.env}
        )
    ready = threading.Event()
    failed = threading.Event()
    finished = threading.Event()
    watcher = threading.Thread(
        target=_await_ready,
        kwargs={
            "url": health_url,
            "timeout": ready_timeout,
            "ready": ready,
            "failed": failed,
            "finished": finished,
            "on_ready": on_ready,
        },
        name="sbctl-ready",
        daemon=True,
    )
    # Honcho's loop installs its own SIGINT/SIGTERM handlers and leaves them behind.
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    # Honcho ignores SIGHUP; a closed terminal must stop everything like SIGTERM does.
    signal.signal(signal.SIGHUP, _forward_as_sigterm)
    watcher.start()
    try:
        manager.loop()
    except BaseException:
        # The loop died before honcho could stop the processes: they run in sessions of
        # their own, so nothing else would.
        manager.kill()
        raise
    finally:
        finished.set()
        watcher.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code: int | None = manager.returncode
    if failed.is_set():
        return 1
    if code in _STOPPED_ON_REQUEST:
        return 0 if ready.is_set() else code
    # A long-lived process ended on its own, even with status 0: that is a failure.
    return code or 1


def _forward_as_sigterm(signum: int, frame: FrameType | None) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def _await_ready(
    *,
    url: str,
    timeout: float,
    ready: threading.Event,
    failed: threading.Event,
    finished: threading.Event,
    on_ready: Callable[[], None],
) -> None:
    deadline = time.monotonic() + timeout
    last_problem = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while not finished.is_set():
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    ready.set()
                    on_ready()
                    return
                last_problem = f"{response.status_code} {response.text[:300]}"
            if time.monotonic() >= deadline:
                warn(f"{url} did not answer 200 within {timeout:.0f} s ({last_problem}); stopping")
                failed.set()
                # Honcho's loop owns the signal handlers: this makes it stop everything.
                os.kill(os.getpid(), signal.SIGTERM)
                return
            finished.wait(0.5)
