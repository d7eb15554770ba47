"""Running the long-lived processes under honcho until one stops or we are told to stop.

honcho (a Python Foreman) starts each process in a session of its own, relays its output line
by line prefixed with the time and its name, stops every process (SIGTERM to its process
group, SIGKILL 5 s later) as soon as one exits or SIGINT/SIGTERM arrives, and reports why.
What is ours: the readiness check and the banner, SIGHUP, and the exit status rules.

A relayed line costs honcho tens to hundreds of microseconds of CPU (a helper process per
child, a queue, a print per line), so nothing the suite writes per request reaches it: the
gateway's access log goes to a file, and the services drop their access line for successes
(`devstack.logconfig`).
"""

import os
import shlex
import signal
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, TextIO

import httpx
from honcho.manager import SYSTEM_PRINTER_NAME, Manager  # type: ignore[import-untyped]
from honcho.printer import Printer  # type: ignore[import-untyped]

from devstack.console import TolerantStdout, warn
from devstack.processes import ProcessSpec
from devstack.signals import STOP_SIGNALS

__all__ = ["supervise"]

# What honcho's loop reports after a SIGINT or SIGTERM (130, 143).
_STOPPED_ON_REQUEST = {128 + signal.SIGINT, 128 + signal.SIGTERM}
_POLL_SECONDS = 0.5


def supervise(
    processes: Sequence[ProcessSpec],
    *,
    health_url: str,
    ready_timeout: float,
    on_ready: Callable[[], None],
    output: TextIO | None = None,
) -> int:
    """Run until a process exits or a signal arrives, then stop them all.

    Output goes to `output` (stdout by default). `on_ready` runs once the health URL answers
    200. Returns 0 for a requested stop after a successful start, else non-zero: 1 if the
    health URL did not answer in time, the signal's 128 + N for a stop before that, or the
    status of the process that ended first (1 if that was 0: they are meant to keep running;
    128 + N if signal N killed it; the shell's 127 for a program not found).
    """
    manager = _Manager(printer=_Printer(TolerantStdout(output)))
    for process in processes:
        # `exec`: the program replaces honcho's shell, so its signals reach the program.
        command = "exec " + shlex.join(process.argv)
        manager.add_process(process.name, command, env={**os.environ, **process.env})
    watcher = _Watcher(url=health_url, timeout=ready_timeout, on_ready=on_ready)
    # honcho's loop installs its own SIGINT/SIGTERM handlers and leaves them behind.
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    # honcho ignores SIGHUP; a closed terminal must stop everything as SIGTERM does.
    signal.signal(signal.SIGHUP, _as_sigterm)
    watcher.start()
    try:
        manager.loop()
    except BaseException:
        # The loop died before honcho could stop the processes: they run in sessions of
        # their own, so nothing else would.
        manager.kill()
        raise
    finally:
        watcher.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code: int | None = manager.returncode
    if watcher.failed.is_set():
        return 1
    if code in _STOPPED_ON_REQUEST:
        return 0 if watcher.ready.is_set() else code
    if code is not None and code < 0:
        return 128 - code  # Popen's -N for "killed by signal N", as a shell reports it
    return code or 1


class _Manager(Manager):  # type: ignore[misc]
    """honcho's Manager, except that the first reason to stop is the one reported.

    honcho records the status of the first process to exit, but a SIGINT or SIGTERM arriving
    while it stops the others overwrites it (a crash, then Ctrl-C, would exit 0).
    """

    _first: int | None = None

    @property
    def returncode(self) -> int | None:
        """Why the run ended: the first status honcho recorded."""
        return self._first

    @returncode.setter
    def returncode(self, value: int | None) -> None:
        if self._first is None:
            self._first = value


class _Printer(Printer):  # type: ignore[misc]
    """honcho's printer, with honcho's own lines (`started`, `stopped`, `sending SIGTERM`)
    under the runner's name."""

    def write(self, message: Any) -> None:
        """Print one message (a line of a process, or honcho's own)."""
        if message.name == SYSTEM_PRINTER_NAME:
            message = message._replace(name="sbctl")
        super().write(message)


def _as_sigterm(signum: int, frame: FrameType | None) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


class _Watcher:
    """Polls the health URL in a thread until it answers 200 (then runs `on_ready`) or the
    time is up (then says why and stops the run with a SIGTERM to ourselves, which honcho's
    loop handles)."""

    def __init__(self, *, url: str, timeout: float, on_ready: Callable[[], None]) -> None:
        self._url = url
        self._timeout = timeout
        self._on_ready = on_ready
        self.ready = threading.Event()
        self.failed = threading.Event()
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="sbctl-ready", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._finished.set()
        self._thread.join()

    def _poll(self) -> None:
        deadline = time.monotonic() + self._timeout
        last_problem = "no answer yet"
        # honcho forks a helper per process as its loop starts: the first check waits, so
        # that nothing here holds a lock then that a forked helper could need.
        if self._finished.wait(_POLL_SECONDS):
            return
        with httpx.Client(timeout=2.0) as client:
            while not self._finished.is_set():
                try:
                    response = client.get(self._url)
                except httpx.HTTPError as exc:
                    last_problem = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code == 200:
                        self.ready.set()
                        self._on_ready()
                        return
                    last_problem = f"{response.status_code} {response.text[:300]}"
                if time.monotonic() >= deadline:
                    warn(
                        f"{self._url} did not answer 200 within {self._timeout:.0f} s "
                        f"({last_problem}); stopping"
                    )
                    self.failed.set()
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                self._finished.wait(_POLL_SECONDS)
