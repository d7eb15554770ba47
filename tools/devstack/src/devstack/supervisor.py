"""Running the long-lived processes until one stops or we are told to stop, relaying their output.

One loop in the runner's main thread does it all: it reads every process's pipe through a
selector, hears signals (ours and SIGCHLD) through `signal.set_wakeup_fd`, and writes whole
prefixed lines in batches (see `devstack.relay`). honcho did this with a helper process per
child, a multiprocessing queue and a print per line: 0.03-0.3 ms of CPU per relayed line, for
a log line per request per process (`bench/relay_cpu.py` measures it).
"""

import contextlib
import fcntl
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType

import httpx

from devstack.console import warn
from devstack.processes import ProcessSpec
from devstack.relay import Clock, Lines, Output, labels
from devstack.signals import STOP_SIGNALS

__all__ = ["KILL_AFTER_SECONDS", "supervise"]

# After SIGTERM, how long the processes get before SIGKILL (honcho's grace period too).
KILL_AFTER_SECONDS = 5.0
# Output still open this long after SIGKILL belongs to something that left the process group.
_ABANDON_AFTER_SECONDS = 1.0
# One read(2); a read this full is followed by another at once.
_READ_BYTES = 65536
# Each process's pipe is enlarged from 64 KiB to this, the most Linux grants by default.
_PIPE_BYTES = 1 << 20
# After relaying, let output gather this long before reading again: a line per request from
# several processes then leaves in tens per wakeup instead of one. A wakeup costs ~0.1-0.2 ms
# of CPU (cold caches on a busy machine), so this caps that part at well under 1% of a core
# however busy the suite is. A person does not see 50 ms; `_linger` shortens it when a pipe
# would fill up first.
_LINGER_SECONDS = 0.05
# What the runner's own lines are prefixed with.
_OWN_NAME = "sbctl"


def supervise(
    processes: Sequence[ProcessSpec],
    *,
    health_url: str,
    ready_timeout: float,
    on_ready: Callable[[], None],
    output: int = 1,
) -> int:
    """Run until a process exits or a signal arrives, then stop the others.

    Every line the processes write goes to `output` (a file descriptor, stdout by default),
    prefixed with the time and the process's name. `on_ready` runs once the health URL
    answers 200. Returns 0 for a requested stop after a successful start, else non-zero.
    """
    run = _Run(processes, output=Output(output))
    watcher = _Watcher(url=health_url, timeout=ready_timeout, wake=run.wake)
    with run.signals_handled():
        watcher.start()
        try:
            run.start()
            run.loop(watcher=watcher, on_ready=on_ready)
        except BaseException:
            # Every process runs in a session of its own: nothing else would stop them.
            run.kill()
            raise
        finally:
            watcher.stop()
            run.close()
    if run.never_ready:
        return 1
    if run.stopped_on_request:
        return 0 if watcher.ready.is_set() else run.returncode or 1
    # A long-lived process ended on its own, even with status 0: that is a failure.
    return run.returncode or 1


@dataclass(eq=False, kw_only=True)
class _Child:
    name: str
    popen: subprocess.Popen[bytes]
    lines: Lines
    fd: int | None  # None once its output is closed
    returncode: int | None = None


class _Run:
    """The processes, their pipes and the state of stopping them."""

    def __init__(self, processes: Sequence[ProcessSpec], *, output: Output) -> None:
        self._processes = processes
        self._output = output
        self._clock = Clock()
        names = [_OWN_NAME, *(p.name for p in processes)]
        self._labels = labels(names, colour=os.isatty(output.fd))
        self._own = Lines(self._labels[_OWN_NAME], self._clock)
        self._selector = selectors.DefaultSelector()
        self._children: list[_Child] = []
        self._batch: list[bytes] = []
        self._requested: list[int] = []
        self._exited = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._stopping_since: float | None = None
        self._killed = False
        self._abandoned = False
        self._headroom = _PIPE_BYTES
        self.returncode: int | None = None
        """Why the run ended, as a shell reports it: an exit status, 128 + a signal's number."""
        self.stopped_on_request = False
        """The run ended because a stop signal arrived (before any process ended)."""
        self.never_ready = False
        """The run stopped because the health URL did not answer 200 in time."""

    # --- signals -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def signals_handled(self) -> Iterator[None]:
        """Note stop signals and SIGCHLD for the loop, which the wakeup fd wakes; restore after."""
        handled = (*STOP_SIGNALS, signal.SIGCHLD)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        previous_fd = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        try:
            yield
        finally:
            signal.set_wakeup_fd(previous_fd)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGCHLD:
            self._exited = True
        else:
            self._requested.append(signum)

    def wake(self) -> None:
        """Make the loop look at its state now (from another thread)."""
        with contextlib.suppress(BlockingIOError):  # full: it will wake anyway
            os.write(self._wake_w, b"\0")

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start every process in a session of its own, its stdout and stderr one pipe."""
        for process in self._processes:
            try:
                popen = subprocess.Popen(  # noqa: S603 (argv built by the runner)
                    list(process.argv),
                    env={**os.environ, **process.env},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                self._say(f"{process.name} could not start: {exc}")
                self._stop(127)
                return
            assert popen.stdout is not None
            fd = popen.stdout.fileno()
            os.set_blocking(fd, False)
            # Lingering lets at most a quarter of the smallest pipe fill up.
            self._headroom = min(self._headroom, _enlarge_pipe(fd) // 4)
            lines = Lines(self._labels[process.name], self._clock)
            child = _Child(name=process.name, popen=popen, lines=lines, fd=fd)
            self._children.append(child)
            self._selector.register(fd, selectors.EVENT_READ, child)
            self._say(f"{process.name} started (pid={popen.pid})")
        self._flush()

    def loop(self, *, watcher: "_Watcher", on_ready: Callable[[], None]) -> None:
        """Relay output and react to signals, exits and readiness until everything stopped."""
        announced = False
        previous_round = time.monotonic()
        while not self._finished():
            events = self._selector.select(self._timeout())
            this_round = time.monotonic()
            most = 0
            for key, _ in events:
                child: _Child | None = key.data
                if child is None:
                    self._drain_wakeups()
                else:
                    most = max(most, self._read(child))
            if self._requested:
                self._on_requests()
            if self._exited:
                self._reap()
            if not announced and watcher.ready.is_set():
                announced = True
                self._flush()
                on_ready()
            if watcher.failed.is_set() and self._stopping_since is None:
                self.never_ready = True
                self._flush()
                warn(watcher.problem)
                self._stop(1)
            if self._stopping_since is not None:
                self._escalate()
            if self._batch:
                self._flush()
                if self._stopping_since is None:
                    time.sleep(self._linger(most, this_round - previous_round))
            previous_round = this_round

    def kill(self) -> None:
        """SIGKILL every process group still running, without waiting."""
        for child in self._children:
            if child.returncode is None:
                _signal_group(child.popen.pid, signal.SIGKILL)

    def close(self) -> None:
        """Close the pipes (leaving nothing unrelayed that was read) and the wakeup pipe."""
        for child in self._children:
            self._close_output(child)
        self._flush()
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    # --- the loop's steps ---------------------------------------------------------------------

    def _deadline(self) -> float | None:
        """When the next step of stopping is due: SIGKILL, then giving up on open pipes."""
        if self._stopping_since is None or self._abandoned:
            return None
        due = KILL_AFTER_SECONDS + (_ABANDON_AFTER_SECONDS if self._killed else 0.0)
        return self._stopping_since + due

    def _timeout(self) -> float | None:
        deadline = self._deadline()
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    def _finished(self) -> bool:
        return all(child.returncode is not None and child.fd is None for child in self._children)

    def _drain_wakeups(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
                pass

    def _linger(self, most: int, elapsed: float) -> float:
        """How long to let output gather: `_LINGER_SECONDS`, unless the busiest pipe fills so
        fast that its writer would block before then."""
        rate = most / max(elapsed, 1e-3)
        return min(_LINGER_SECONDS, self._headroom / rate) if rate else _LINGER_SECONDS

    def _read(self, child: _Child) -> int:
        """Relay what the pipe holds (up to a pipe's worth, so others get their turn); how
        many bytes that was."""
        total = 0
        while child.fd is not None and total < _PIPE_BYTES:
            try:
                chunk = os.read(child.fd, _READ_BYTES)
            except BlockingIOError:
                break
            if not chunk:
                self._close_output(child)
                break
            lines = child.lines.feed(chunk)
            if lines:
                self._batch.append(lines)
            total += len(chunk)
            if len(chunk) < _READ_BYTES:
                break
        return total

    def _close_output(self, child: _Child) -> None:
        if child.fd is None:
            return
        self._selector.unregister(child.fd)
        rest = child.lines.finish()
        if rest:
            self._batch.append(rest)
        assert child.popen.stdout is not None
        child.popen.stdout.close()
        child.fd = None

    def _on_requests(self) -> None:
        requested, self._requested = self._requested, []
        for signum in requested:
            self._say(f"{signal.Signals(signum).name} received")
            if self.returncode is None:
                self.stopped_on_request = True
            self._stop(128 + signum)

    def _reap(self) -> None:
        self._exited = False
        for child in self._children:
            if child.returncode is not None:
                continue
            code = child.popen.poll()
            if code is None:
                continue
            # Its last words come before the news that it stopped.
            while child.fd is not None and self._read(child) >= _PIPE_BYTES:
                pass
            child.returncode = code
            self._say(f"{child.name} stopped (rc={code})")
            # Popen's -N for "killed by signal N" would make a strange exit status for sbctl.
            self._stop(code if code >= 0 else 128 - code)

    def _stop(self, code: int) -> None:
        """Record why the run ends (the first reason wins) and SIGTERM every process once."""
        if self.returncode is None:
            self.returncode = code
        if self._stopping_since is not None:
            return
        self._stopping_since = time.monotonic()
        for child in self._children:
            if child.returncode is None:
                self._say(f"sending SIGTERM to {child.name} (pid {child.popen.pid})")
                _signal_group(child.popen.pid, signal.SIGTERM)

    def _escalate(self) -> None:
        deadline = self._deadline()
        if deadline is None or time.monotonic() < deadline:
            return
        if not self._killed:
            self._killed = True
            for child in self._children:
                # An open pipe of a process that exited: its group still has a member.
                if child.returncode is None or child.fd is not None:
                    self._say(f"sending SIGKILL to {child.name} (pid {child.popen.pid})")
                    _signal_group(child.popen.pid, signal.SIGKILL)
            return
        self._abandoned = True
        for child in self._children:
            if child.fd is not None:
                # Held by something that left the process group; waiting could take forever.
                self._close_output(child)
                self._say(f"{child.name}: output still open after SIGKILL; no longer relayed")

    # --- output ---------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self._batch.append(self._own.feed(message.encode() + b"\n"))

    def _flush(self) -> None:
        if self._batch:
            data = b"".join(self._batch)
            self._batch.clear()
            self._output.write(data)


def _enlarge_pipe(fd: int) -> int:
    """Make room for a burst while the loop lingers or the terminal is slow, so the writer
    rarely blocks; the pipe's size. Linux only; over the user's pipe quota it fails, and the
    default 64 KiB must do."""
    try:
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (AttributeError, OSError):
        return _READ_BYTES


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    # Gone already (ESRCH) or not ours to signal (EPERM): nothing left to stop there.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class _Watcher:
    """Polls the health URL in a thread until it answers 200 or the time is up, then wakes the
    loop, which announces the run or stops it (output stays in one thread, in order)."""

    def __init__(self, *, url: str, timeout: float, wake: Callable[[], None]) -> None:
        self._url = url
        self._timeout = timeout
        self._wake = wake
        self.ready = threading.Event()
        self.failed = threading.Event()
        self.problem = ""
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="sbctl-ready", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._finished.set()
        if self._thread.is_alive():
            self._thread.join()

    def _poll(self) -> None:
        deadline = time.monotonic() + self._timeout
        last_problem = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while not self._finished.is_set():
                try:
                    response = client.get(self._url)
                except httpx.HTTPError as exc:
                    last_problem = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code == 200:
                        self.ready.set()
                        self._wake()
                        return
                    last_problem = f"{response.status_code} {response.text[:300]}"
                if time.monotonic() >= deadline:
                    self.problem = (
                        f"{self._url} did not answer 200 within {self._timeout:.0f} s "
                        f"({last_problem}); stopping"
                    )
                    self.failed.set()
                    self._wake()
                    return
                self._finished.wait(0.5)
