"""wrk's summary line read into figures, and the command the report shows."""

from __future__ import annotations

from typing import Any

import pytest

from harness.console import BenchError
from harness.wrk import WrkLoad, parse_summary, result_of

STDOUT = """Running 20s test @ http://127.0.0.1:28120
  1 threads and 32 connections
Requests/sec:   2077.41
WRK_SUMMARY {"requests": 41600, "duration_us": 20025000, "bytes": 218774400, \
"errors": {"connect": 0, "read": 0, "write": 0, "status": 3, "timeout": 1}, \
"counts": {"X-Cache: HIT": 41597, "not 2xx": 3}, \
"latency_us": {"min": 900, "mean": 15321.7, "stdev": 8000.2, "max": 120345, \
"p50": 14600, "p90": 25000, "p99": 64700, "p99_9": 90000}}
"""


def _load(**changes: Any) -> WrkLoad:
    settings: dict[str, Any] = {
        "url": "http://127.0.0.1:28120",
        "path": "/dids?page=%d&per_page=50",
        "pages": 16,
        "connections": 32,
        "threads": 1,
    }
    settings.update(changes)
    return WrkLoad(**settings)


def test_the_summary_line_is_found_after_wrks_own_report() -> None:
    summary = parse_summary(STDOUT)

    assert summary["requests"] == 41600
    assert summary["counts"] == {"X-Cache: HIT": 41597, "not 2xx": 3}


def test_output_without_a_summary_line_stops_the_benchmark() -> None:
    with pytest.raises(BenchError, match="no WRK_SUMMARY line"):
        parse_summary("Running 20s test @ http://127.0.0.1:1\n")


def test_latencies_become_milliseconds_and_errors_keep_their_kinds() -> None:
    result = result_of(parse_summary(STDOUT), command="wrk ...")

    assert (result.requests, result.seconds, result.bytes) == (41600, 20.025, 218774400)
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (
        14.6,
        25.0,
        64.7,
        120.345,
    )
    assert result.mean_ms == 15.322
    assert result.errors == {"connect": 0, "read": 0, "write": 0, "status": 3, "timeout": 1}
    assert result.counts == {"X-Cache: HIT": 41597, "not 2xx": 3}


def test_a_summary_without_counts_counts_nothing() -> None:
    summary = parse_summary(STDOUT)
    del summary["counts"]

    assert result_of(summary, command="wrk").counts == {}


def test_the_command_shows_a_token_variable_never_the_token() -> None:
    load = _load(token=lambda: "secret-token")

    shown = load.shown(20)

    assert "secret-token" not in shown
    assert shown == (
        "wrk -t1 -c32 -d20s --timeout 10s --latency -s bench/src/harness/pages.lua "
        "http://127.0.0.1:28120 -- '/dids?page=%d&per_page=50' 16 \"$TOKEN\""
    )


def test_without_a_token_the_command_leaves_the_empty_argument_out() -> None:
    assert (
        _load()
        .shown(5.2)
        .endswith(
            "-d6s --timeout 10s --latency -s "
            "bench/src/harness/pages.lua http://127.0.0.1:28120 "
            "-- '/dids?page=%d&per_page=50' 16"
        )
    )


def test_a_new_connection_per_request_keeps_the_empty_token_in_its_place() -> None:
    argv = _load(close=True).argv(10, token="")

    assert argv[-3:] == ["16", "", "close"]
    assert _load(close=True).shown(10).endswith("16 '' close")


def test_counting_a_header_is_shown_as_the_variable_that_turns_it_on() -> None:
    assert _load(count_header="X-Cache").shown(10).startswith("WRK_COUNT_HEADER=X-Cache wrk ")
