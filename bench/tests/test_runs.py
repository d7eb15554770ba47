"""A run's figures from a load and its CPU, and the median of rounds."""

from __future__ import annotations

import dataclasses

import pytest

from harness.cpu import Spent
from harness.load import LoadResult
from harness.runs import Run, cpu_ms_per_request, median, median_run, run_of

RESULT = LoadResult(
    command="wrk ...",
    requests=2000,
    seconds=20.0,
    bytes=10_000_000,
    p50_ms=14.6,
    p90_ms=25.0,
    p99_ms=64.7,
    mean_ms=15.3,
    max_ms=120.0,
    errors={"status": 0},
    counts={"X-Cache: HIT": 2000},
)


def _run(target: str, rps: float, *, round_number: int = 1, disturbed: bool = False) -> Run:
    return dataclasses.replace(
        run_of(
            RESULT,
            _spent(),
            target=target,
            round_number=round_number,
            disturbed=False,
            busy_machine=False,
        ),
        requests_per_second=rps,
        disturbed=disturbed,
    )


def _spent() -> Spent:
    return Spent(seconds=20.0, per_label={"auth (uvicorn)": 0.5, "traefik": 0.64}, machine_busy=2.0)


def test_cpu_seconds_become_milliseconds_per_request_without_the_negligible() -> None:
    shares = cpu_ms_per_request({"traefik": 0.64, "nats": 0.000005, "auth": 0.5}, 2000)

    assert shares == {"auth": 0.25, "traefik": 0.32}


def test_no_requests_means_no_cpu_per_request() -> None:
    assert cpu_ms_per_request({"traefik": 1.0}, 0) == {}


def test_a_run_divides_by_its_own_requests_and_seconds() -> None:
    run = run_of(
        RESULT, _spent(), target="service", round_number=2, disturbed=False, busy_machine=True
    )

    assert run.requests_per_second == 100.0
    assert run.bytes_per_request == 5000.0
    assert run.cpu_ms_per_request == {"auth (uvicorn)": 0.25, "traefik": 0.32}
    assert run.cpu_ms_total == pytest.approx(0.57)
    assert run.other_load_cores == pytest.approx((2.0 - 1.14) / 20.0, abs=0.01)
    assert (run.round, run.busy_machine, run.valid) == (2, True, True)


def test_a_run_with_errors_is_not_valid() -> None:
    failing = dataclasses.replace(RESULT, errors={"status": 0, "timeout": 2})

    run = run_of(failing, _spent(), target="s", round_number=1, disturbed=False, busy_machine=False)

    assert not run.valid


def test_the_median_of_an_odd_count_is_the_middle_value() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_the_median_of_an_even_count_is_the_lower_middle_value() -> None:
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.0


def test_the_median_run_leaves_disturbed_rounds_out() -> None:
    runs = [_run("s", 100.0), _run("s", 900.0, disturbed=True), _run("s", 120.0), _run("s", 110.0)]

    assert median_run(runs).requests_per_second == 110.0


def test_the_median_run_of_only_disturbed_rounds_is_taken_from_them() -> None:
    runs = [
        _run("s", 100.0, disturbed=True),
        _run("s", 300.0, disturbed=True),
        _run("s", 200.0, disturbed=True),
    ]

    assert median_run(runs).requests_per_second == 200.0


def test_a_run_survives_its_json() -> None:
    run = _run("service", 2077.0)

    assert Run.from_json(run.to_json()) == run
