"""The checks run when a test ends: what the test sent that it should not have, or never sent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from .journal import Exchange, Journal


@dataclass(frozen=True)
class Checks:
    """Which teardown checks fail a test; each can be turned off on its own."""

    # A request that no scenario step matched.
    unmatched: bool = True
    # A required scenario step that no request used.
    unused: bool = True
    # A request the real API would have refused (or warned about).
    violations: bool = True

    def but(self, **changes: bool) -> Checks:
        return replace(self, **changes)


NO_CHECKS = Checks(unmatched=False, unused=False, violations=False)


def _violation_report(exchanges: Sequence[Exchange]) -> str:
    count = len(exchanges)
    lines = [f"{count} request{'s' if count != 1 else ''} the real API would have rejected:"]
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


def failures(journal: Journal, checks: Checks, exempt: Collection[str] = ()) -> list[str]:
    """One report per failed check (empty: the test may pass).

    `exempt` holds request ids a test declared it expected to be rejected.
    """
    reports: list[str] = []
    if checks.violations:
        bad = [e for e in journal.violations() if e.request_id not in exempt]
        if bad:
            reports.append(_violation_report(bad))
    return reports


def verify(journal: Journal, checks: Checks, exempt: Collection[str] = ()) -> None:
    """Raise AssertionError naming every failed check."""
    reports = failures(journal, checks, exempt)
    if reports:
        raise AssertionError("mockserver: " + "\n\nmockserver: ".join(reports))
