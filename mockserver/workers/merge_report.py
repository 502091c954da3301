"""The workers' contract reports as one: counts summed, each rule's first example kept.

Each worker's report is read as the admin API's JSON (`ContractReport.to_json()`), so the
merged one renders as JSON or text exactly as a single server's does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..report.summary import ContractReport, RuleSummary, ViolationRecord


def _counted(parts: Sequence[Mapping[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def _rules(parts: Sequence[Sequence[Mapping[str, Any]]]) -> tuple[RuleSummary, ...]:
    merged: dict[str, RuleSummary] = {}
    for rules in parts:
        for data in rules:
            example = data["example"]
            record = ViolationRecord(
                rule=data["rule"],
                message=example["message"],
                request_id=example["request_id"],
                method=example["method"],
                path=example["path"],
                status=example["status"],
                field=example.get("field", ""),
                excerpt=example.get("excerpt", ""),
            )
            rule = RuleSummary(
                data["rule"],
                count=data["count"],
                rejected=data["rejected"],
                warned=data["warned"],
                expected=data["expected"],
                example=record,
            )
            seen = merged.get(rule.rule)
            if seen is not None:
                # A worker whose example was expected gives way to one that was not, as a
                # single report picks its example.
                kept = seen.example if seen.count or not rule.count else rule.example
                rule = RuleSummary(
                    rule.rule,
                    count=seen.count + rule.count,
                    rejected=seen.rejected + rule.rejected,
                    warned=seen.warned + rule.warned,
                    expected=seen.expected + rule.expected,
                    example=kept,
                )
            merged[rule.rule] = rule
    return tuple(sorted(merged.values(), key=lambda s: (-s.count, -s.expected, s.rule)))


def merge_reports(parts: Sequence[Mapping[str, Any]]) -> ContractReport:
    """One report over every worker's requests (`parts`: their reports' JSON)."""
    requests = [part["requests"] for part in parts]
    categories: dict[str, list[Mapping[str, int]]] = {}
    for part in parts:
        for name, values in part["features"].items():
            categories.setdefault(name, []).append(values)
    return ContractReport(
        requests=sum(r["total"] for r in requests),
        endpoints=dict(_counted([r["endpoints"] for r in requests]).most_common()),
        statuses=dict(sorted(_counted([r["statuses"] for r in requests]).items())),
        features={name: dict(_counted(v).most_common()) for name, v in categories.items()},
        rules=_rules([part["violations"]["rules"] for part in parts]),
        violating_requests=sum(part["violations"]["requests"] for part in parts),
        notices=_rules([part["notices"]["rules"] for part in parts]),
    )
