"""Processes, their CPU time and their listening sockets, read from /proc (Linux).

The parsers take the files' text, so they can be tested without a machine to read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CLOCK_TICKS",
    "Process",
    "ancestry_roots",
    "listening_pids",
    "machine_busy_seconds",
    "parse_busy_seconds",
    "parse_listening_inodes",
    "parse_stat",
    "process_table",
]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")
_TCP_LISTEN = "0A"


@dataclass(frozen=True, kw_only=True)
class Process:
    """One process as /proc shows it."""

    pid: int
    ppid: int
    comm: str
    cmdline: str
    cpu_seconds: float
    """User + system time of every thread, since the process started."""


def parse_stat(text: str, *, ticks: int = CLOCK_TICKS) -> tuple[int, str, float]:
    """The parent pid, the name and the CPU seconds (utime + stime) in a /proc/PID/stat line.

    The name is in parentheses and may hold spaces or parentheses itself: the fields after it
    are found from the last `)`.
    """
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state, ppid, ... utime is field 14 of the line, stime 15 (man 5 proc).
    return int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / ticks


def process_table(proc: Path = _PROC) -> dict[int, Process]:
    """Every process that can be read now (one that exits meanwhile is left out)."""
    table: dict[int, Process] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid, comm, seconds = parse_stat(stat)
        cmdline = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        pid = int(entry.name)
        table[pid] = Process(pid=pid, ppid=ppid, comm=comm, cmdline=cmdline, cpu_seconds=seconds)
    return table


def parse_busy_seconds(stat_text: str, *, ticks: int = CLOCK_TICKS) -> float:
    """CPU seconds every core spent busy since boot, from /proc/stat's first line.

    Busy is user, nice, system, irq, softirq and steal: all of the first eight fields but
    idle and iowait. Steal counts, as time the machine did not give the benchmark.
    """
    fields = [int(value) for value in stat_text.split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / ticks


def machine_busy_seconds(proc: Path = _PROC) -> float:
    """CPU seconds the whole machine has been busy since boot."""
    return parse_busy_seconds((proc / "stat").read_text())


def parse_listening_inodes(net_tcp_text: str) -> dict[int, int]:
    """Socket inode -> local port of every listening socket in a /proc/net/tcp(6) table."""
    inodes: dict[int, int] = {}
    for line in net_tcp_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != _TCP_LISTEN:
            continue
        port = int(fields[1].rsplit(":", 1)[1], 16)
        inodes[int(fields[9])] = port
    return inodes


def listening_pids(ports: Iterable[int], proc: Path = _PROC) -> dict[int, set[int]]:
    """pid -> the ports among `ports` it listens on (TCP, IPv4 or IPv6).

    Found from the sockets' inodes in /proc/net/tcp* and the processes' file descriptors, so
    it sees whatever started the process. Only processes whose fds this user may read appear.
    """
    wanted = set(ports)
    inodes: dict[int, int] = {}
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            inodes.update(parse_listening_inodes((proc / "net" / table).read_text()))
    inodes = {inode: port for inode, port in inodes.items() if port in wanted}
    found: dict[int, set[int]] = {}
    if not inodes:
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        port = inodes.get(int(target[8:-1]))
                        if port is not None:
                            found.setdefault(int(entry.name), set()).add(port)
    return found


def ancestry_roots(table: Mapping[int, Process], roots: Iterable[int]) -> dict[int, int]:
    """pid -> the nearest of `roots` among the process itself and its ancestors.

    Processes with no root above them are left out.
    """
    root_set = set(roots)
    found: dict[int, int] = {}
    for pid in table:
        chain: list[int] = []
        current: int | None = pid
        root: int | None = None
        while current is not None and current not in chain:
            if current in found:
                root = found[current]
                break
            if current in root_set:
                root = current
                break
            chain.append(current)
            parent = table.get(current)
            current = parent.ppid if parent is not None and parent.ppid > 0 else None
        if root is not None:
            for member in chain:
                found[member] = root
            found[pid] = root
    return found
