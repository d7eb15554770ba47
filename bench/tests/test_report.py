"""The report: its JSON shape, its ratios and warnings, and the text it prints."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from harness.report import Ratio, Report
from harness.runs import Run

BASE = Run(
    target="books",
    round=1,
    command="wrk -t1 -c32 ...",
    requests=20000,
    seconds=20.0,
    requests_per_second=1000.0,
    bytes_per_request=5000.0,
    p50_ms=30.0,
    p90_ms=40.0,
    p99_ms=60.0,
    mean_ms=31.0,
    max_ms=90.0,
    errors={"status": 0},
    counts={"X-Cache: HIT": 20000},
    cpu_ms_per_request={"traefik": 0.3, "reviews (uvicorn)": 0.5},
)


def _run(target: str, round_number: int, rps: float, **changes: Any) -> Run:
    return dataclasses.replace(
        BASE, target=target, round=round_number, requests_per_second=rps, **changes
    )


def _report(runs: list[Run]) -> Report:
    return Report(
        scenario="compare",
        title="GET /books vs GET /dids",
        date="2026-11-22 10:00 UTC",
        commit="abc1234",
        command="bench/compare/run.sh --rounds 3",
        suites=["GATEWAY_PORT=1 .venv/bin/python -m harness.launch"],
        settings={"rounds": 3, "guard": {"noisy_cores": 0.2}},
        machine={"cpus": "2"},
        targets={"books": "GET /books, cache hit", "dids": "GET /dids, page cache"},
        runs=runs,
        ratios=[Ratio(numerator="books", denominator="dids", target=0.8)],
        notes=["page 1 read twice: HIT"],
        expected={"books": "X-Cache: HIT", "dids": "X-Cache: HIT"},
    )


RUNS = [
    _run("books", 1, 900.0),
    _run("dids", 1, 1000.0),
    _run("books", 2, 850.0),
    _run("dids", 2, 1100.0),
    _run("books", 3, 800.0),
    _run("dids", 3, 1000.0),
]


def test_the_json_holds_the_run_its_medians_and_ratios() -> None:
    data = _report(RUNS).to_json()

    assert list(data) == [
        "scenario",
        "title",
        "date",
        "commit",
        "command",
        "suites",
        "settings",
        "machine",
        "targets",
        "medians",
        "ratios",
        "runs",
        "notes",
        "expected",
        "warnings",
    ]
    assert data["medians"]["books"]["requests_per_second"] == 850.0
    assert data["medians"]["dids"]["requests_per_second"] == 1000.0
    assert len(data["runs"]) == 6
    assert data["warnings"] == []
    json.dumps(data)  # it is JSON


def test_a_ratio_is_of_the_medians_and_also_given_round_by_round() -> None:
    (ratio,) = _report(RUNS).to_json()["ratios"]

    assert ratio == {
        "numerator": "books",
        "denominator": "dids",
        "target": 0.8,
        "requests_per_second": 0.85,
        "p50": 1.0,
        "p99": 1.0,
        "cpu_ms_per_request": 1.0,
        "per_round": [0.9, 0.77, 0.8],
        "met": True,
    }


def test_a_ratio_under_its_target_is_not_met() -> None:
    runs = [_run("books", 1, 700.0), _run("dids", 1, 1000.0)]

    assert _report(runs).to_json()["ratios"][0]["met"] is False


def test_a_report_survives_its_json() -> None:
    report = _report(RUNS)

    again = Report.from_json(json.loads(json.dumps(report.to_json())))

    assert again == report


def test_runs_measured_on_a_busy_machine_are_called_out() -> None:
    runs = [_run("books", 1, 900.0, busy_machine=True), _run("dids", 1, 1000.0)]

    (warning,) = _report(runs).warnings()

    assert warning.startswith("MEASURED ON A BUSY MACHINE (--busy-ok)")
    assert "books round 1" in warning


def test_disturbed_and_failing_runs_are_called_out() -> None:
    runs = [
        _run("books", 1, 900.0, disturbed=True, other_load_cores=0.4),
        _run("dids", 1, 1000.0, errors={"timeout": 3}),
    ]

    noisy, invalid = _report(runs).warnings()

    assert noisy == "NOISY: other processes used CPU during these runs (cores): books round 1 0.40"
    assert invalid == "INVALID: errors or answers >= 400 in: dids round 1 {'timeout': 3}"


def test_answers_a_target_should_not_count_are_called_out() -> None:
    runs = [
        _run("books", 1, 900.0, counts={"X-Cache: HIT": 10, "X-Cache: BYPASS": 5}),
        _run("dids", 1, 1000.0),
    ]

    (warning,) = _report(runs).warnings()

    assert warning == (
        "UNEXPECTED ANSWERS (expected: books X-Cache: HIT, dids X-Cache: HIT): "
        "books round 1 X-Cache: BYPASS 5"
    )


def test_a_loads_own_figures_are_shown_with_its_target() -> None:
    runs = [
        _run("books", 1, 900.0, figures={"connections held": 10000.0, "p99 delivery ms": 41.5}),
        _run("dids", 1, 1000.0),
    ]

    text = _report(runs).text()

    assert "Other figures (each target's median round):\n- books: connections held 10000, " in text
    assert "p99 delivery ms 41.5\n" in text


def test_the_text_shows_the_figures_the_ratio_the_commands_and_the_machine() -> None:
    text = _report(RUNS).text()

    assert "| GET /books, cache hit | 850 | 30.0 | 60.0 | 31.0 | 5000 | none " in text
    assert "ratio books / dids: 0.85x requests/s (round by round: 0.90x, 0.77x, 0.80x)" in text
    assert "Target (>= 0.80x requests/s): met" in text
    assert "- books: 900, 850, 800" in text
    assert "- books: 0.80 in all = traefik 0.30, reviews (uvicorn) 0.50" in text
    assert "    bench/compare/run.sh --rounds 3" in text
    assert "    suite: GATEWAY_PORT=1 .venv/bin/python -m harness.launch" in text
    assert "- cpus: 2" in text
