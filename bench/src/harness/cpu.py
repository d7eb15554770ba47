"""CPU time per process of the benchmark, and how busy the rest of the machine kept itself.

A process counts as the benchmark's when it is, or descends from, a process the benchmark
registered (what it started, and whatever listens on the suite's ports), when it is this
process, or when it is a shared server the suite uses (Postgres's background processes and
the backends of the suite's database, Redis, NATS: idle when nothing else runs). Each is
named by its command line (`inventory.main:create_app` is "inventory (uvicorn)") or by the
name it was registered with. Everything else is "other load".
"""

from __future__ import annotations

import os
import re
import resource
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.proc import Process, ancestry_roots, machine_busy_seconds, process_table

__all__ = [
    "HARNESS",
    "LOAD_GENERATOR",
    "CpuMeter",
    "Owned",
    "Snapshot",
    "Spent",
    "label_of",
    "spent_between",
]

HARNESS = "harness (this process)"
LOAD_GENERATOR = "load generator"
_APP = re.compile(r"(\w+)\.main:create_app")
# A client's backend: "postgres: [cluster: ]<role> <database> <client> <state>".
_POSTGRES_BACKEND = re.compile(r"^postgres: (?:\S+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])")
_SHARED_SERVERS = {"redis-server": "redis", "nats-server": "nats"}


@dataclass
class Owned:
    """What counts as the benchmark's, and the names its processes are reported under."""

    trees: dict[int, str] = field(default_factory=dict)
    """pid -> the name of that process and of its descendants their command line does not
    name (a descendant registered itself names its own tree)."""
    database: str | None = None
    """The suite's Postgres database: its backends count, other databases' do not."""
    harness_pid: int = field(default_factory=os.getpid)

    def add(self, pid: int, name: str) -> None:
        """Count `pid` and its descendants from now on."""
        self.trees.setdefault(pid, name)


def label_of(process: Process, *, tree: str | None, database: str | None) -> str | None:
    """The report's name for a process, or None if it is not the benchmark's.

    `tree` is the name of the registered process it descends from (None: none).
    """
    if process.comm == "postgres" or process.cmdline.startswith("postgres"):
        backend = _POSTGRES_BACKEND.match(process.cmdline)
        if backend is None:
            return "postgres (background)"
        return "postgres (the suite's database)" if backend.group(2) == database else None
    if process.comm in _SHARED_SERVERS:
        return _SHARED_SERVERS[process.comm]
    if tree is None:
        return None
    app = _APP.search(process.cmdline)
    program = os.path.basename(process.cmdline.split(" ", 1)[0])
    if app is not None:
        tree = f"{app.group(1)} (uvicorn)"
    elif program.startswith("traefik"):
        tree = "traefik"
    return tree


def _labels(table: Mapping[int, Process], owned: Owned) -> dict[int, str]:
    roots = ancestry_roots(table, [*owned.trees, owned.harness_pid])
    labels: dict[int, str] = {}
    for pid, process in table.items():
        root = roots.get(pid)
        if pid == owned.harness_pid:
            tree: str | None = HARNESS
        elif root == owned.harness_pid:
            tree = LOAD_GENERATOR  # a child of ours nobody registered: a load generator
        else:
            tree = owned.trees.get(root) if root is not None else None
        label = label_of(process, tree=tree, database=owned.database)
        if label is not None:
            labels[pid] = label
    return labels


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The CPU seconds of the benchmark's processes and of the machine, at one moment."""

    at: float
    """time.monotonic()"""
    processes: dict[int, tuple[str, float]]
    """pid -> (name, CPU seconds so far)"""
    machine_busy: float
    reaped_children: float
    """CPU seconds of this process's children that have exited and been waited for (wrk):
    a load generator that ran between two snapshots is only seen here."""


@dataclass(frozen=True, kw_only=True)
class Spent:
    """CPU spent between two snapshots."""

    seconds: float
    """Wall-clock time between them."""
    per_label: dict[str, float]
    machine_busy: float

    @property
    def ours(self) -> float:
        return sum(self.per_label.values())

    @property
    def other_load_cores(self) -> float:
        """Cores other processes kept busy meanwhile (2.0: both cores of a 2-CPU machine)."""
        if self.seconds <= 0:
            return 0.0
        return max(0.0, self.machine_busy - self.ours) / self.seconds


def spent_between(before: Snapshot, after: Snapshot) -> Spent:
    """What each named group of processes spent from `before` to `after`.

    A process that started in between counts from zero; one that exited in between is lost
    (its time shows up as other load), except this process's reaped children.
    """
    per_label: dict[str, float] = {}
    for pid, (label, seconds) in after.processes.items():
        earlier = before.processes.get(pid)
        used = seconds - (earlier[1] if earlier is not None else 0.0)
        per_label[label] = per_label.get(label, 0.0) + used
    reaped = after.reaped_children - before.reaped_children
    if reaped > 0:
        per_label[LOAD_GENERATOR] = per_label.get(LOAD_GENERATOR, 0.0) + reaped
    return Spent(
        seconds=after.at - before.at,
        per_label={label: used for label, used in per_label.items() if used > 0},
        machine_busy=after.machine_busy - before.machine_busy,
    )


class CpuMeter:
    """Takes snapshots of what `owned` says is the benchmark's."""

    def __init__(self, owned: Owned) -> None:
        self.owned = owned

    def snapshot(self) -> Snapshot:
        table = process_table()
        labels = _labels(table, self.owned)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return Snapshot(
            at=time.monotonic(),
            processes={pid: (label, table[pid].cpu_seconds) for pid, label in labels.items()},
            machine_busy=machine_busy_seconds(),
            reaped_children=children.ru_utime + children.ru_stime,
        )

    def other_load(self, seconds: float) -> float:
        """Cores other processes keep busy, watched for `seconds`."""
        before = self.snapshot()
        time.sleep(seconds)
        return spent_between(before, self.snapshot()).other_load_cores
