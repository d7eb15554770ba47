"""A benchmark's report: printed as text (figures, commands, machine) and written as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.runs import Run, median_run

__all__ = ["Ratio", "Report"]


@dataclass(frozen=True, kw_only=True)
class Ratio:
    """One target's throughput against another's: the medians, and round by round."""

    numerator: str
    denominator: str
    target: float | None = None
    """What the ratio of requests/s must reach (None: no target)."""

    def to_json(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "target": self.target}


def _times(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "n/a"


@dataclass(kw_only=True)
class Report:
    """Everything a run of a benchmark measured, and on what."""

    scenario: str
    title: str
    date: str
    commit: str
    command: str
    suites: list[str]
    """How each suite was started (one line per start)."""
    settings: dict[str, Any]
    machine: dict[str, str]
    targets: dict[str, str]
    """Target name -> how the table describes it, in the table's order."""
    runs: list[Run]
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)
    """Target -> the one answer its load should count (`X-Cache: HIT`); others are called out."""

    def runs_of(self, target: str) -> list[Run]:
        return [run for run in self.runs if run.target == target]

    def medians(self) -> dict[str, Run]:
        """Each measured target's median round."""
        return {name: median_run(self.runs_of(name)) for name in self.targets if self.runs_of(name)}

    def ratio_figures(self, ratio: Ratio) -> dict[str, Any]:
        """The ratio of the medians (requests/s, p50, p99, CPU per request), round by round
        (requests/s), and whether the target is met."""
        medians = self.medians()
        top, bottom = medians[ratio.numerator], medians[ratio.denominator]
        rps = _times(top.requests_per_second, bottom.requests_per_second)
        below = {run.round: run for run in self.runs_of(ratio.denominator)}
        per_round = [
            _times(run.requests_per_second, below[run.round].requests_per_second)
            for run in self.runs_of(ratio.numerator)
            if run.round in below
        ]
        return {
            **ratio.to_json(),
            "requests_per_second": rps,
            "p50": _times(top.p50_ms, bottom.p50_ms),
            "p99": _times(top.p99_ms, bottom.p99_ms),
            "cpu_ms_per_request": _times(top.cpu_ms_total, bottom.cpu_ms_total),
            "per_round": per_round,
            "met": None if ratio.target is None or rps is None else rps >= ratio.target,
        }

    def warnings(self) -> list[str]:
        """What makes these figures doubtful: a busy machine, disturbed runs, errors."""
        found = []
        busy = [run for run in self.runs if run.busy_machine]
        if busy:
            found.append(
                "MEASURED ON A BUSY MACHINE (--busy-ok): other processes kept the machine busy "
                "when these runs started, so their figures are not for the record: "
                + ", ".join(f"{run.target} round {run.round}" for run in busy)
            )
        disturbed = [run for run in self.runs if run.disturbed]
        if disturbed:
            found.append(
                "NOISY: other processes used CPU during these runs (cores): "
                + ", ".join(
                    f"{run.target} round {run.round} {run.other_load_cores:.2f}"
                    for run in disturbed
                )
            )
        unexpected = [
            f"{run.target} round {run.round} "
            + ", ".join(f"{key} {n}" for key, n in sorted(run.counts.items()) if key != wanted)
            for run in self.runs
            if (wanted := self.expected.get(run.target)) is not None
            and any(key != wanted for key in run.counts)
        ]
        if unexpected:
            wanted_all = ", ".join(f"{t} {v}" for t, v in self.expected.items())
            found.append(f"UNEXPECTED ANSWERS (expected: {wanted_all}): " + "; ".join(unexpected))
        invalid = [run for run in self.runs if not run.valid]
        if invalid:
            found.append(
                "INVALID: errors or answers >= 400 in: "
                + ", ".join(f"{run.target} round {run.round} {run.errors}" for run in invalid)
            )
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "date": self.date,
            "commit": self.commit,
            "command": self.command,
            "suites": self.suites,
            "settings": self.settings,
            "machine": self.machine,
            "targets": self.targets,
            "medians": {name: run.to_json() for name, run in self.medians().items()},
            "ratios": [self.ratio_figures(ratio) for ratio in self.ratios],
            "runs": [run.to_json() for run in self.runs],
            "notes": self.notes,
            "expected": self.expected,
            "warnings": self.warnings(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        return cls(
            scenario=data["scenario"],
            title=data["title"],
            date=data["date"],
            commit=data["commit"],
            command=data["command"],
            suites=list(data["suites"]),
            settings=dict(data["settings"]),
            machine=dict(data["machine"]),
            targets=dict(data["targets"]),
            runs=[Run.from_json(run) for run in data["runs"]],
            ratios=[
                Ratio(numerator=r["numerator"], denominator=r["denominator"], target=r["target"])
                for r in data["ratios"]
            ],
            notes=list(data["notes"]),
            expected=dict(data.get("expected", {})),
        )

    def text(self) -> str:
        medians = self.medians()
        lines = [f"# {self.title}", "", f"{self.date}, commit {self.commit}", ""]
        lines += [
            "| target | requests/s | p50 ms | p99 ms | mean ms | bytes/response | errors "
            "| counted | CPU ms/request | other load (cores) |",
            "|---|---:|---:|---:|---:|---:|---|---|---:|---:|",
        ]
        for name, run in medians.items():
            errors = sum(run.errors.values())
            counted = ", ".join(f"{key} {n}" for key, n in sorted(run.counts.items())) or "-"
            lines.append(
                f"| {self.targets[name]} | {run.requests_per_second:.0f} | {run.p50_ms:.1f} "
                f"| {run.p99_ms:.1f} | {run.mean_ms:.1f} | {run.bytes_per_request:.0f} "
                f"| {errors or 'none'} | {counted} | {run.cpu_ms_total:.2f} "
                f"| {run.other_load_cores:.2f} |"
            )
        for ratio in self.ratios:
            if ratio.numerator not in medians or ratio.denominator not in medians:
                continue
            figures = self.ratio_figures(ratio)
            line = (
                f"ratio {ratio.numerator} / {ratio.denominator}: "
                f"{_x(figures['requests_per_second'])} requests/s"
            )
            if len(figures["per_round"]) > 1:
                line += f" (round by round: {', '.join(_x(r) for r in figures['per_round'])})"
            line += (
                f"; p50 {_x(figures['p50'])}, p99 {_x(figures['p99'])}, "
                f"CPU per request {_x(figures['cpu_ms_per_request'])}."
            )
            if ratio.target is not None:
                verdict = "met" if figures["met"] else "NOT met"
                line += f" Target (>= {ratio.target:.2f}x requests/s): {verdict}"
            lines += ["", line]
        if any(len(self.runs_of(name)) > 1 for name in medians):
            noisy = self.settings.get("guard", {}).get("noisy_cores", "the guard's")
            lines += [
                "",
                "Every round (requests/s; the table shows each target's median undisturbed "
                f"round; * = other processes used over {noisy} cores meanwhile):",
            ]
            for name in medians:
                rates = ", ".join(
                    f"{run.requests_per_second:.0f}" + ("*" if run.disturbed else "")
                    for run in self.runs_of(name)
                )
                lines.append(f"- {name}: {rates}")
        lines += ["", "CPU per request (ms, each target's median round, by process):"]
        for name, run in medians.items():
            spent = ", ".join(f"{label} {ms:.2f}" for label, ms in run.cpu_ms_per_request.items())
            lines.append(f"- {name}: {run.cpu_ms_total:.2f} in all = {spent}")
        with_figures = {name: run for name, run in medians.items() if run.figures}
        if with_figures:
            lines += ["", "Other figures (each target's median round):"]
            for name, run in with_figures.items():
                shown = ", ".join(f"{key} {value:g}" for key, value in run.figures.items())
                lines.append(f"- {name}: {shown}")
        if self.notes:
            lines += ["", "Notes:", *(f"- {note}" for note in self.notes)]
        lines += ["", "Commands:", f"    {self.command}"]
        lines += [f"    suite: {suite}" for suite in self.suites]
        lines += [f"    {name}: {run.command}" for name, run in medians.items()]
        lines += ["", "Machine:", *(f"- {key}: {value}" for key, value in self.machine.items())]
        warnings = self.warnings()
        if warnings:
            lines += ["", *warnings]
        return "\n".join(lines) + "\n"
