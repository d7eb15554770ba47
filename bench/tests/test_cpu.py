"""Which processes are the benchmark's, and what they spent between two snapshots."""

from __future__ import annotations

import pytest

from harness.cpu import LOAD_GENERATOR, Snapshot, label_of, spent_between
from harness.proc import Process


def _process(cmdline: str, comm: str = "python") -> Process:
    return Process(pid=2, ppid=1, comm=comm, cmdline=cmdline, cpu_seconds=0.0)


def _snapshot(at: float, busy: float, reaped: float, **processes: float) -> Snapshot:
    return Snapshot(
        at=at,
        processes={int(pid[1:]): (pid, seconds) for pid, seconds in processes.items()},
        machine_busy=busy,
        reaped_children=reaped,
    )


def test_a_service_of_the_suite_is_named_by_its_app() -> None:
    process = _process(".venv/bin/python -m uvicorn reviews.main:create_app --factory")

    assert label_of(process, tree="runner (sbctl)", database="bench") == "reviews (uvicorn)"


def test_traefik_of_the_suite_is_named_traefik() -> None:
    process = _process("/repo/.venv/bin/traefik --configFile=/x.yml", comm="traefik")

    assert label_of(process, tree="suite", database="bench") == "traefik"


def test_a_process_of_a_registered_tree_otherwise_takes_the_trees_name() -> None:
    process = _process("node json-server/lib/cli/bin.js db.json", comm="node")

    assert label_of(process, tree="json-server (node)", database=None) == "json-server (node)"


def test_a_process_outside_every_tree_is_other_load() -> None:
    process = _process("python -m uvicorn inventory.main:create_app --port 8102")

    assert label_of(process, tree=None, database="bench") is None


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (
            "postgres: 15/main: inventory bench 127.0.0.1(5001) idle",
            "postgres (the suite's database)",
        ),
        ("postgres: inventory bench [local] idle", "postgres (the suite's database)"),
        ("postgres: 15/main: inventory switchboard_test 127.0.0.1(5002) idle", None),
        ("postgres: 15/main: checkpointer ", "postgres (background)"),
    ],
)
def test_postgres_counts_its_background_and_the_suites_database_only(
    cmdline: str, expected: str | None
) -> None:
    process = _process(cmdline, comm="postgres")

    assert label_of(process, tree=None, database="bench") == expected


def test_redis_and_nats_count_wherever_they_were_started() -> None:
    assert label_of(_process("redis-server *:6379", "redis-server"), tree=None, database=None) == (
        "redis"
    )
    assert label_of(_process("nats-server -p 4222", "nats-server"), tree=None, database=None) == (
        "nats"
    )


def test_spent_time_is_summed_per_name_and_a_new_process_counts_from_zero() -> None:
    before = _snapshot(100.0, busy=50.0, reaped=1.0, p10=5.0, p11=7.0)
    after = Snapshot(
        at=110.0,
        processes={10: ("auth", 6.5), 11: ("reviews", 8.0), 12: ("reviews", 0.5)},
        machine_busy=62.0,
        reaped_children=4.0,
    )

    spent = spent_between(before, after)

    assert spent.seconds == 10.0
    assert spent.per_label == {"auth": 1.5, "reviews": 1.5, LOAD_GENERATOR: 3.0}
    assert spent.ours == 6.0
    assert spent.other_load_cores == pytest.approx((12.0 - 6.0) / 10.0)


def test_other_load_is_never_negative() -> None:
    before = _snapshot(0.0, busy=0.0, reaped=0.0, p10=0.0)
    after = _snapshot(1.0, busy=0.5, reaped=0.0, p10=0.9)

    assert spent_between(before, after).other_load_cores == 0.0
