"""The quiet-machine guard's decisions."""

from __future__ import annotations

import pytest

from harness.console import BenchError
from harness.guard import Guard, Verdict

GUARD = Guard(quiet_cores=0.15, noisy_cores=0.2, wait_seconds=120.0, retries=2)


def test_a_quiet_machine_is_measured_at_once() -> None:
    assert GUARD.before_run(other_cores=0.05, waited=0.0) is Verdict.MEASURE


def test_a_busy_machine_is_waited_for() -> None:
    assert GUARD.before_run(other_cores=0.6, waited=30.0) is Verdict.WAIT


def test_a_machine_busy_for_the_whole_wait_is_not_measured() -> None:
    assert GUARD.before_run(other_cores=0.6, waited=120.0) is Verdict.REFUSE


def test_a_machine_busy_for_the_whole_wait_is_measured_when_allowed() -> None:
    allowed = Guard(wait_seconds=0.0, allow_busy=True)

    assert allowed.before_run(other_cores=0.6, waited=0.0) is Verdict.MEASURE_BUSY


def test_a_disturbed_run_is_measured_again_until_the_retries_are_spent() -> None:
    assert GUARD.run_again(other_cores=0.3, attempt=0)
    assert GUARD.run_again(other_cores=0.3, attempt=1)
    assert not GUARD.run_again(other_cores=0.3, attempt=2)


def test_an_undisturbed_run_is_kept() -> None:
    assert not GUARD.disturbed(0.2)
    assert not GUARD.run_again(other_cores=0.2, attempt=0)


def test_waiting_gives_up_with_a_message_naming_the_flag() -> None:
    never_quiet = Guard(wait_seconds=0.0)

    with pytest.raises(BenchError, match="--busy-ok"):
        never_quiet.wait_for_quiet(lambda seconds: 0.9)


def test_waiting_returns_the_load_and_whether_it_was_still_busy() -> None:
    allowed = Guard(wait_seconds=0.0, allow_busy=True)

    assert Guard().wait_for_quiet(lambda seconds: 0.01) == (0.01, False)
    assert allowed.wait_for_quiet(lambda seconds: 0.9) == (0.9, True)
