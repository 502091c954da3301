"""The checks run when a test ends: what the test sent that it should not have, or never sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..scripting.script import Script
from .journal import Exchange, Journal


@dataclass(frozen=True)
class Checks:
    """Which teardown checks fail a test; each can be turned off on its own."""

    # A request that no scenario step matched (or whose step could not be served).
    unmatched: bool = True
    # An ordered step of a scenario the test added that no request used.
    unused: bool = True
    # A request the real API would have refused (or warned about).
    violations: bool = True

    def but(self, **changes: bool) -> Checks:
        return replace(self, **changes)


@dataclass
class Expectations:
    """What the running test declared: the scenarios it added and the rejections it expects."""

    # Every ordered step in these must be used. Scenario files loaded for the whole
    # session are not here: one test never walks them all.
    scripts: list[Script] = field(default_factory=list)
    # The test's own scenario, which `MockServer.reply_*` grows one step at a time.
    inline: Script | None = None
    # Request ids the test said it expected the server to reject.
    rejections: set[str] = field(default_factory=set)

    def clear(self) -> None:
        self.scripts.clear()
        self.inline = None
        self.rejections.clear()

    def unused_steps(self) -> list[str]:
        """Each unused step as ``label (where)``."""
        found = []
        for script in self.scripts:
            steps = script.scenario.steps
            where = {script.scenario.label("steps", i): s.where for i, s in enumerate(steps)}
            found += [f"{label} ({where[label]})" for label in script.unused_steps()]
        return found


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _unmatched_report(exchanges: Sequence[Exchange]) -> str:
    lines = [f"{_plural(len(exchanges), 'request')} no scenario step answered as scripted:"]
    for exchange in exchanges:
        lines.append(f"  {exchange.describe()}")
        if exchange.scenario_error:
            lines.append(f"    {exchange.scenario_error}")
        elif exchange.near_misses:
            lines.append("    closest steps, and why each did not match:")
            lines += [f"      [{i}] {miss}" for i, miss in enumerate(exchange.near_misses, 1)]
        else:
            lines.append("    no scenario step or rule was a candidate")
    lines.append("  (turn this check off with check_unmatched=False)")
    return "\n".join(lines)


def unused_report(labels: Sequence[str]) -> str:
    lines = [f"{_plural(len(labels), 'required step')} never used:"]
    lines += [f"  {label}" for label in labels]
    lines.append("  (turn this check off with check_unused=False)")
    return "\n".join(lines)


def _violation_report(exchanges: Sequence[Exchange]) -> str:
    lines = [f"{_plural(len(exchanges), 'request')} the real API would have rejected:"]
    for exchange in exchanges:
        lines.append(f"  {exchange.describe()}")
        lines.extend(
            f"    - {p.message}" + (f"  [{p.rule} at {p.path}]" if p.path else f"  [{p.rule}]")
            for p in exchange.problems
        )
    lines.append(
        "  (a test that sends invalid requests on purpose wraps them in "
        "`with mockserver.expect_rejection():`, or turns this check off: check_violations=False)"
    )
    return "\n".join(lines)


def failures(journal: Journal, checks: Checks, expected: Expectations) -> list[str]:
    """One report per failed check (empty: the test may pass)."""
    exchanges = journal.all()
    reports: list[str] = []
    if checks.unmatched and (missed := [e for e in exchanges if e.unmatched or e.scenario_error]):
        reports.append(_unmatched_report(missed))
    if checks.unused and (unused := expected.unused_steps()):
        reports.append(unused_report(unused))
    if checks.violations:
        bad = [e for e in exchanges if e.violation and e.request_id not in expected.rejections]
        if bad:
            reports.append(_violation_report(bad))
    return reports


def verify(journal: Journal, checks: Checks, expected: Expectations) -> None:
    """Raise AssertionError naming every failed check."""
    reports = failures(journal, checks, expected)
    if reports:
        raise AssertionError("mockserver: " + "\n\nmockserver: ".join(reports))
