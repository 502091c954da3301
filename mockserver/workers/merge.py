"""What the workers answer to an admin read, as one answer: the journal in time order,
counts summed, the teardown checks' reports joined as one server would write them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def merge_health(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {**parts[0], "exchanges": sum(p["exchanges"] for p in parts), "workers": len(parts)}


def merge_journal(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every worker's exchanges, oldest first by when each request arrived; each says
    which worker served it."""
    exchanges = [
        {**exchange, "worker": worker}
        for worker, part in enumerate(parts)
        for exchange in part["exchanges"]
    ]
    # Stable: one worker's exchanges that arrived in the same instant keep their order.
    exchanges.sort(key=lambda e: e["started"])
    return {"count": len(exchanges), "exchanges": exchanges}


def merge_faults(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each rule once, as every worker holds a copy: how often the copies were seen and
    fired summed, the requests they struck joined."""
    rules: dict[str, dict[str, Any]] = {}
    for part in parts:
        for rule in part["rules"]:
            seen = rules.get(rule["name"])
            if seen is None:
                rules[rule["name"]] = {**rule, "struck": list(rule["struck"])}
                continue
            seen["seen"] += rule["seen"]
            seen["fired"] += rule["fired"]
            seen["struck"] += rule["struck"]
    for rule in rules.values():
        rule["exhausted"] = rule["times"] is not None and rule["fired"] >= rule["times"]
    return {"rules": list(rules.values())}


def common_unused(parts: Sequence[Sequence[str]]) -> list[str]:
    """The required steps no worker's clients reached (a step counts as used once any
    client reached it, on whichever worker)."""
    if not parts:
        return []
    rest = [set(labels) for labels in parts[1:]]
    return [label for label in parts[0] if all(label in labels for labels in rest)]


def join_reports(reports: Sequence[str]) -> str:
    """Reports of one teardown check from several workers, as one: the count in its first
    line summed, the requests listed under it one after the other, its hint once."""
    if len(reports) == 1:
        return reports[0]
    heads, bodies = [], []
    for report in reports:
        lines = report.split("\n")
        heads.append(lines[0])
        bodies += lines[1:-1]
    count = sum(int(head.split(" ", 1)[0]) for head in heads)
    _, noun, rest = heads[0].split(" ", 2)
    noun = noun if noun.endswith("s") else noun + "s"
    hint = reports[0].split("\n")[-1]
    return "\n".join([f"{count} {noun} {rest}", *bodies, hint])
