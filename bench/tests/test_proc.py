"""/proc's files read into processes, busy time and listening ports."""

from __future__ import annotations

from harness.proc import (
    Process,
    ancestry_roots,
    parse_busy_seconds,
    parse_listening_inodes,
    parse_stat,
)


def _process(pid: int, ppid: int) -> Process:
    return Process(pid=pid, ppid=ppid, comm="x", cmdline="x", cpu_seconds=0.0)


def test_a_stat_line_gives_parent_name_and_cpu_even_with_parentheses_in_the_name() -> None:
    line = "4242 (python (1) x) S 4100 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0"

    assert parse_stat(line, ticks=100) == (4100, "python (1) x", 3.0)


def test_busy_time_is_every_field_but_idle_and_iowait() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat = "cpu  100 10 50 9000 40 5 3 2 0 0\ncpu0 50 5 25 4500 20 2 1 1 0 0\n"

    assert parse_busy_seconds(stat, ticks=10) == (100 + 10 + 50 + 5 + 3 + 2) / 10


def test_only_listening_sockets_are_read_from_a_tcp_table() -> None:
    table = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n"
        "   0: 0100007F:6E14 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
        "        0 51234 1 0000000000000000 100 0 0 10 0\n"
        "   1: 0100007F:6E14 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0"
        "        0 51299 1 0000000000000000 20 4 30 10 -1\n"
    )

    assert parse_listening_inodes(table) == {51234: 0x6E14}


def test_each_process_maps_to_the_nearest_root_above_it() -> None:
    table = {
        pid: _process(pid, ppid)
        for pid, ppid in [(1, 0), (10, 1), (11, 10), (12, 11), (20, 1), (30, 12)]
    }

    roots = ancestry_roots(table, [10, 12])

    assert roots == {10: 10, 11: 10, 12: 12, 30: 12}
