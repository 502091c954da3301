"""Joining what the workers answer: reports, teardown checks, fault rules."""

from __future__ import annotations

from typing import Any

from mockserver.workers.merge import common_unused, join_reports, merge_faults
from mockserver.workers.merge_report import merge_reports


def _report(requests: int, rules: list[dict[str, Any]], models: dict[str, int]) -> dict[str, Any]:
    return {
        "requests": {
            "total": requests,
            "endpoints": {"POST /v1/messages": requests},
            "statuses": {"200": requests},
        },
        "features": {"models": models},
        "violations": {"requests": sum(r["count"] for r in rules), "rules": rules},
        "notices": {"rules": []},
    }


def _rule(name: str, count: int, expected: int, request_id: str) -> dict[str, Any]:
    example = {
        "request_id": request_id,
        "method": "POST",
        "path": "/v1/messages",
        "status": 400,
        "message": "max_tokens: Field required",
        "field": "max_tokens",
        "excerpt": "",
    }
    return {
        "rule": name,
        "count": count,
        "rejected": count,
        "warned": 0,
        "expected": expected,
        "example": example,
    }


def test_reports_sum_their_counts_and_keep_an_example_no_test_expected() -> None:
    first = _report(3, [_rule("schema", 0, 1, "req_expected")], {"claude-sonnet-4-6": 3})
    second = _report(
        4,
        [_rule("schema", 2, 0, "req_real"), _rule("roles", 1, 0, "req_roles")],
        {"claude-sonnet-4-6": 1, "claude-haiku-4-5": 3},
    )
    merged = merge_reports([first, second])
    assert merged.requests == 7
    assert merged.features["models"] == {"claude-sonnet-4-6": 4, "claude-haiku-4-5": 3}
    assert [(r.rule, r.count, r.expected) for r in merged.rules] == [
        ("schema", 2, 1),
        ("roles", 1, 0),
    ]
    assert merged.rules[0].example.request_id == "req_real"
    assert merged.summary() == "7 requests, 3 violations (2 rules), 1 expected"


def test_check_reports_join_as_one_with_the_count_summed() -> None:
    one = "1 request no scenario step answered as scripted:\n  POST a\n  (turn this off)"
    two = "2 requests no scenario step answered as scripted:\n  POST b\n  POST c\n  (turn this off)"
    assert join_reports([one, two]) == (
        "3 requests no scenario step answered as scripted:\n"
        "  POST a\n  POST b\n  POST c\n  (turn this off)"
    )
    assert join_reports([one]) == one


def test_a_step_is_unused_only_where_no_worker_reached_it() -> None:
    assert common_unused([["s/steps[0]", "s/steps[1]"], ["s/steps[1]"]]) == ["s/steps[1]"]
    assert common_unused([["s/steps[0]"], []]) == []


def test_each_fault_rule_is_listed_once_with_its_copies_counts() -> None:
    def rule(seen: int, fired: int, struck: list[str]) -> dict[str, Any]:
        return {"name": "fault-1", "times": 2, "seen": seen, "fired": fired, "struck": struck}

    merged = merge_faults([{"rules": [rule(3, 1, ["req_a"])]}, {"rules": [rule(1, 1, ["req_b"])]}])
    assert merged == {
        "rules": [
            {
                "name": "fault-1",
                "times": 2,
                "seen": 4,
                "fired": 2,
                "struck": ["req_a", "req_b"],
                "exhausted": True,
            }
        ]
    }
