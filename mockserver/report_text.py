"""Violations in words: the contract report as text, and the one-line warn header.

The text report is for the author of a client library: what their client used, then each
broken rule with one request that broke it, the API's message and the offending part.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .errors import Problem

if TYPE_CHECKING:
    from .report import ContractReport, RuleSummary

# Under strictness `warn` a request with violations is answered normally; these say so.
VIOLATIONS_HEADER = "x-mockserver-violations"
VIOLATION_HEADER = "x-mockserver-violation"
VIOLATION_RULES_HEADER = "x-mockserver-violation-rules"
_HEADER_CHARS = 300
_WIDTH = 100


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def header_text(text: str, limit: int = _HEADER_CHARS) -> str:
    """One ASCII line: whitespace runs become one space, other characters are escaped."""
    flat = " ".join(text.split()).encode("ascii", "backslashreplace").decode("ascii")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def violation_headers(problems: Sequence[Problem]) -> dict[str, str]:
    """The headers of a response answered despite violations (none when there are none):
    their count, the first as ``<rule>: <message>``, and every rule broken."""
    if not problems:
        return {}
    first = problems[0]
    rules = ", ".join(dict.fromkeys(p.rule for p in problems))
    return {
        VIOLATIONS_HEADER: str(len(problems)),
        VIOLATION_HEADER: header_text(f"{first.rule}: {first.message}"),
        VIOLATION_RULES_HEADER: header_text(rules),
    }


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
