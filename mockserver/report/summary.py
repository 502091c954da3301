"""A contract report as read: what a session sent and broke, as JSON or as text.

The text is for the author of a client library: what their client used, then each broken
rule with one request that broke it, the API's message and the offending part.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .warn_headers import plural

REPORT_VERSION = 1
_WIDTH = 100


@dataclass(frozen=True)
class ViolationRecord:
    """One violation, with the request that showed it."""

    rule: str
    message: str
    request_id: str
    method: str
    path: str
    status: int
    field: str = ""
    excerpt: str = ""

    @property
    def outcome(self) -> str:
        return "rejected" if self.status >= 400 else "warned"

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "outcome": self.outcome,
            "message": self.message,
            "field": self.field,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True)
class RuleSummary:
    rule: str
    count: int
    rejected: int
    warned: int
    expected: int
    # The first violation not expected (else the first expected one).
    example: ViolationRecord

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "count": self.count,
            "rejected": self.rejected,
            "warned": self.warned,
            "expected": self.expected,
            "example": self.example.to_json(),
        }


@dataclass(frozen=True)
class ContractReport:
    """A snapshot of the report; render it with `to_json()`, `to_text()` or `summary()`."""

    requests: int
    endpoints: Mapping[str, int]
    statuses: Mapping[str, int]
    features: Mapping[str, Mapping[str, int]]
    rules: tuple[RuleSummary, ...]
    # Requests with at least one violation no test expected.
    violating_requests: int
    # What requests were answered despite, not refused by the real API either (thinking
    # signatures this server did not mint and so could not verify), by rule.
    notices: tuple[RuleSummary, ...] = ()

    @property
    def violations(self) -> int:
        return sum(rule.count for rule in self.rules)

    @property
    def expected(self) -> int:
        return sum(rule.expected for rule in self.rules)

    def summary(self) -> str:
        """One line, e.g. ``120 requests, 3 violations (2 rules)``."""
        line = plural(self.requests, "request")
        broken = sum(1 for rule in self.rules if rule.count)
        if self.violations:
            line += f", {plural(self.violations, 'violation')} ({plural(broken, 'rule')})"
        else:
            line += ", no contract violations"
        if self.expected:
            line += f", {self.expected} expected"
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "report_version": REPORT_VERSION,
            "summary": self.summary(),
            "requests": {
                "total": self.requests,
                "endpoints": dict(self.endpoints),
                "statuses": dict(self.statuses),
            },
            "features": {name: dict(values) for name, values in self.features.items()},
            "violations": {
                "total": self.violations,
                "requests": self.violating_requests,
                "expected": self.expected,
                "rules": [rule.to_json() for rule in self.rules],
            },
            "notices": {
                "total": sum(n.count + n.expected for n in self.notices),
                "rules": [n.to_json() for n in self.notices],
            },
        }

    def write_json(self, path: Path) -> None:
        """Write `to_json()` to `path` (folders created as needed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")

    def to_text(self) -> str:
        """The report as a client-library author reads it (the text below)."""
        return render_text(self)


def _counts(values: Mapping[str, int]) -> str:
    return ", ".join(f"{value} ({count})" for value, count in values.items())


def _wrapped(label: str, text: str) -> list[str]:
    head = f"  {label:<20}"
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=head,
        subsequent_indent=" " * len(head),
        break_on_hyphens=False,
    )


def _rule_lines(rule: RuleSummary) -> list[str]:
    outcomes = [f"{n} {what}" for n, what in ((rule.rejected, "rejected"), (rule.warned, "warned"))]
    outcomes += [f"{rule.expected} expected"] if rule.expected else []
    shown = ", ".join(o for o in outcomes if not o.startswith("0 "))
    example = rule.example
    lines = [
        f"  {rule.rule}: {plural(rule.count, 'violation')} ({shown})",
        f"    e.g. {example.method} {example.path} {example.request_id} "
        f"-> {example.status} ({example.outcome})",
        *textwrap.wrap(
            example.message, _WIDTH, initial_indent="      ", subsequent_indent="      "
        ),
    ]
    if example.excerpt:
        lines.append(f"      at {example.field}: {example.excerpt}")
    return lines


def render_text(report: ContractReport) -> str:
    lines = [f"mockserver contract report: {report.summary()}", "", "Requests"]
    width = max((len(e) for e in report.endpoints), default=0)
    lines += [f"  {endpoint:<{width}}  {n}" for endpoint, n in report.endpoints.items()]
    statuses = ", ".join(f"{status} x{n}" for status, n in report.statuses.items())
    lines += [f"  statuses: {statuses}" if statuses else "  none", ""]
    used = {name: values for name, values in report.features.items() if values}
    if used:
        lines.append("Features used (requests per value)")
        for name, values in used.items():
            lines += _wrapped(name, _counts(values))
        lines.append("")
    broken = [rule for rule in report.rules if rule.count]
    if broken:
        lines.append("Violations by rule: what the real API refuses (fix these in the client)")
        for rule in broken:
            lines += _rule_lines(rule)
    else:
        lines.append("No contract violations.")
    if report.expected:
        rules = ", ".join(rule.rule for rule in report.rules if rule.expected)
        lines.append(f"Expected by the tests (not counted): {report.expected} ({rules})")
    if report.notices:
        lines += ["", "Accepted but not verifiable (the real API would judge these itself)"]
        for notice in report.notices:
            example = notice.example
            lines += [
                f"  {notice.rule}: {plural(notice.count + notice.expected, 'block')}",
                f"    e.g. {example.method} {example.path} {example.request_id}",
                *textwrap.wrap(
                    example.message, _WIDTH, initial_indent="      ", subsequent_indent="      "
                ),
            ]
    return "\n".join(lines)
