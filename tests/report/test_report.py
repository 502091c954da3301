"""The contract report from plain exchanges (no server): features, violations, renderings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memory_support import kept_by

from mockserver.errors import Problem
from mockserver.report import contract_report
from mockserver.report.contract_report import OTHER, ReportCollector, build_report, excerpt
from mockserver.report.features import CATEGORIES, client_of, exchange_features
from mockserver.report.journal import Exchange
from mockserver.report.warn_headers import header_text, violation_headers
from mockserver.streaming.events import message_events

MODEL = "claude-opus-5-5"
SDK_HEADERS = {
    "authorization": "Bearer sk-test",
    "anthropic-version": "2026-10-21",
    "user-agent": "Anthropic/Python 2.12.0",
    "x-stainless-lang": "python",
    "x-stainless-package-version": "2.12.0",
}
CLAUDE_CODE_HEADERS = {
    "x-api-key": "sk-test",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219, context-management-2025-06-27",
    "user-agent": "claude-cli/2.1.0 (external, cli)",
}
USAGE = {
    "input_tokens": 10,
    "output_tokens": 5,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "server_tool_use": None,
    "output_tokens_details": None,
}
REPLY: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [
        {"type": "thinking", "thinking": "", "signature": "sig"},
        {"type": "tool_use", "id": "toolu_02", "name": "Bash", "input": {"cmd": "ls"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": USAGE,
}
AGENT_BODY: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 64000,
    "stream": True,
    "system": [{"type": "text", "text": "You are a CLI.", "cache_control": {"type": "ephemeral"}}],
    "tools": [
        {"name": "Bash", "input_schema": {"type": "object"}},
        {"type": "web_search_20250305", "name": "web_search", "cache_control": {"ttl": "1h"}},
    ],
    "tool_choice": {"type": "auto"},
    "thinking": {"type": "adaptive", "display": "omitted"},
    "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": {}}},
    "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
    "messages": [
        {"role": "user", "content": "Fix the test"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01", "name": "Bash", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01",
                    "content": [{"type": "image", "source": {"type": "base64"}}],
                }
            ],
        },
        {"role": "system", "content": "Plan mode is on."},
    ],
}


def exchange(
    body: Any = None,
    *,
    status: int = 200,
    response: Any = None,
    headers: dict[str, str] | None = None,
    problems: tuple[Problem, ...] = (),
    path: str = "/v1/messages",
    request_id: str = "req_01",
    step: str | None = None,
) -> Exchange:
    return Exchange(
        request_id=request_id,
        method="POST",
        path=path,
        headers=SDK_HEADERS if headers is None else headers,
        body=body if body is not None else {"model": MODEL, "max_tokens": 5, "messages": []},
        status=status,
        response=response,
        step=step,
        problems=problems,
    )


def rejected(message: str, request_id: str, *, error_type: str = "invalid_request_error") -> Any:
    error = {"type": "error", "error": {"type": error_type, "message": message}}
    status = 404 if error_type == "not_found_error" else 400
    return exchange(status=status, response=error, request_id=request_id)


PAIRING = Problem(
    "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
    "toolu_01.",
    rule="tool_use_answered",
    path="messages.1.content.0",
)


def test_every_feature_an_agent_request_uses_is_named() -> None:
    found = exchange_features(exchange(AGENT_BODY, response=REPLY, headers=CLAUDE_CODE_HEADERS))
    assert set(found) == set(CATEGORIES)
    assert found["models"] == {MODEL}
    assert found["api_versions"] == {"2023-06-01"}
    assert found["betas"] == {"claude-code-20250219", "context-management-2025-06-27"}
    assert found["auth"] == {"x-api-key"}
    assert found["clients"] == {"claude-cli/2.1.0 (external, cli)"}
    assert found["streaming"] == {"stream"}
    assert found["roles"] == {"user", "assistant", "system"}
    assert found["request_blocks"] == {
        "text (string content)",
        "tool_use",
        "tool_result",
        "tool_result/image",
    }
    assert found["reply_blocks"] == {"thinking", "tool_use"}
    assert found["stop_reasons"] == {"tool_use"}
    assert found["tools"] == {"custom (no type)", "web_search_20250305"}
    assert found["tool_choice"] == {"auto"}
    assert found["thinking"] == {"adaptive", "display omitted"}
    assert found["effort"] == {"high"}
    assert found["structured_output"] == {"output_config.format json_schema"}
    assert found["caching"] == {"cache_control on blocks", "ttl 5m", "ttl 1h"}
    assert found["context_management"] == {"clear_thinking_20251015"}
    assert "context_management" in found["params"]
    assert "thinking" in found["params"]


def test_a_streamed_reply_is_read_from_its_events() -> None:
    events = message_events(REPLY)
    streamed = Exchange("req_01", "POST", "/v1/messages", {}, AGENT_BODY, 200, events, True)
    found = exchange_features(streamed)
    assert found["reply_blocks"] == {"thinking", "tool_use"}
    assert found["stop_reasons"] == {"tool_use"}
    cut = Exchange("req_02", "POST", "/v1/messages", {}, AGENT_BODY, 200, events[:3], True)
    assert exchange_features(cut)["stop_reasons"] == set()


def test_auth_prefers_the_api_key_and_clients_are_named_by_sdk_or_agent() -> None:
    both = SDK_HEADERS | {"x-api-key": "k"}
    assert exchange_features(exchange(headers=both))["auth"] == {"x-api-key"}
    assert exchange_features(exchange())["auth"] == {"bearer"}
    assert exchange_features(exchange(headers={}))["auth"] == {"none"}
    assert client_of(SDK_HEADERS) == "python 2.12.0"
    assert client_of({"user-agent": "x" * 80}) == "x" * 57 + "..."
    assert client_of({}) == "unknown"


def test_legacy_output_format_and_top_level_caching_are_told_apart() -> None:
    body = {
        "model": MODEL,
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}],
        "output_format": {"type": "json_schema", "schema": {}},
        "cache_control": {"type": "ephemeral"},
    }
    found = exchange_features(exchange(body))
    assert found["structured_output"] == {"output_format json_schema (legacy)"}
    assert found["caching"] == {"automatic (top-level cache_control)"}


def test_odd_bodies_and_other_paths_add_only_what_is_there() -> None:
    odd = {"model": 3, "messages": "hi", "tools": {"a": 1}, "thinking": [], "system": "s"}
    found = exchange_features(exchange(odd))
    assert found["models"] == set()
    assert found["tools"] == set()
    assert found["roles"] == set()
    models = exchange_features(exchange(path="/v1/models", body=None))
    assert models["auth"] == {"bearer"}
    assert models["params"] == set()
    assert not any(exchange_features(exchange(path="/", headers={})).values())


def test_excerpt_is_the_named_part_or_its_nearest_parent_trimmed() -> None:
    assert excerpt(AGENT_BODY, "messages.1.content.0") == (
        '{"type":"tool_use","id":"toolu_01","name":"Bash","input":{}}'
    )
    # A missing field names its parent; a leading `$.` is read as the root.
    assert excerpt(AGENT_BODY, "$.tool_choice.name") == '{"type":"auto"}'
    assert excerpt(AGENT_BODY, "") == ""
    assert excerpt(AGENT_BODY, "nothing.here") == ""
    long = excerpt({"text": "y" * 1000}, "text")
    assert len(long) == 300
    assert long.endswith("...")


def test_violations_are_grouped_by_rule_with_counts_and_an_example() -> None:
    report = build_report(
        [
            exchange(AGENT_BODY, status=400, problems=(PAIRING,), request_id="req_a"),
            exchange(AGENT_BODY, problems=(PAIRING,), request_id="req_b"),
            rejected("model: claude-nope", "req_c", error_type="not_found_error"),
            exchange(response=REPLY, request_id="req_d"),
            # A scripted 429 is the test's doing, not the client's.
            exchange(status=429, response={"error": {"type": "rate_limit_error"}}, step="s1"),
        ]
    )
    assert (report.requests, report.violations, report.violating_requests) == (5, 3, 3)
    pairing, missing = report.rules
    assert (pairing.rule, pairing.count, pairing.rejected, pairing.warned) == (
        "tool_use_answered",
        2,
        1,
        1,
    )
    assert pairing.example.request_id == "req_a"
    assert pairing.example.excerpt.startswith('{"type":"tool_use"')
    assert (missing.rule, missing.count, missing.example.message) == (
        "not_found_error",
        1,
        "model: claude-nope",
    )
    assert report.summary() == "5 requests, 3 violations (2 rules)"
    assert dict(report.statuses) == {"200": 2, "400": 1, "404": 1, "429": 1}


def test_expected_rejections_are_counted_apart() -> None:
    collector = ReportCollector()
    collector.observe(rejected("max_tokens: Field required", "req_1"))
    collector.observe(rejected("max_tokens: Field required", "req_2"))
    collector.expect(["req_1", "req_2"])
    report = collector.report()
    assert (report.violations, report.expected, report.violating_requests) == (0, 2, 0)
    assert report.summary() == "2 requests, no contract violations, 2 expected"
    assert report.rules[0].example.request_id == "req_1"
    assert "No contract violations." in report.to_text()
    assert "Expected by the tests (not counted): 2 (invalid_request_error)" in report.to_text()
    collector.clear()
    assert collector.report().requests == 0


def test_json_has_the_documented_shape_and_survives_a_round_trip(tmp_path: Path) -> None:
    report = build_report([exchange(AGENT_BODY, status=400, problems=(PAIRING,))])
    target = tmp_path / "deep" / "report.json"
    report.write_json(target)
    data = json.loads(target.read_text())
    assert data == report.to_json()
    assert list(data) == [
        "report_version",
        "summary",
        "requests",
        "features",
        "violations",
        "notices",
    ]
    assert data["report_version"] == 1
    assert list(data["features"]) == list(CATEGORIES)
    assert data["violations"]["rules"] == [
        {
            "rule": "tool_use_answered",
            "count": 1,
            "rejected": 1,
            "warned": 0,
            "expected": 0,
            "example": {
                "request_id": "req_01",
                "method": "POST",
                "path": "/v1/messages",
                "status": 400,
                "outcome": "rejected",
                "message": PAIRING.message,
                "field": "messages.1.content.0",
                "excerpt": '{"type":"tool_use","id":"toolu_01","name":"Bash","input":{}}',
            },
        }
    ]


def test_text_names_what_was_used_and_how_to_find_each_broken_rule() -> None:
    exchanges = [
        exchange(AGENT_BODY, response=REPLY, headers=CLAUDE_CODE_HEADERS),
        exchange(AGENT_BODY, problems=(PAIRING,), request_id="req_warned"),
    ]
    text = build_report(exchanges).to_text()
    lines = text.splitlines()
    assert lines[0] == "mockserver contract report: 2 requests, 1 violation (1 rule)"
    assert "  POST /v1/messages  2" in lines
    assert any(line.startswith("  thinking            adaptive (2)") for line in lines)
    assert "  tool_use_answered: 1 violation (1 warned)" in lines
    assert "    e.g. POST /v1/messages req_warned -> 200 (warned)" in lines
    assert "      at messages.1.content.0: " in text
    assert all(len(line) <= 110 for line in lines if not line.startswith("      at "))


def test_counters_keep_a_bounded_number_of_values() -> None:
    collector = ReportCollector()
    for n in range(150):
        collector.observe(exchange(path=f"/v1/nowhere/{n}", body=None, status=404))
    endpoints = collector.report().endpoints
    assert len(endpoints) == 101
    assert endpoints[OTHER] == 50


def test_violation_headers_are_one_ascii_line() -> None:
    noisy = Problem("messages.0: caf\u00e9\n  is\tnot ok " + "z" * 400, rule="some_rule")
    headers = violation_headers([noisy, PAIRING, Problem("again", rule="some_rule")])
    assert headers["x-mockserver-violations"] == "3"
    assert headers["x-mockserver-violation-rules"] == "some_rule, tool_use_answered"
    first = headers["x-mockserver-violation"]
    assert first.startswith("some_rule: messages.0: caf\\xe9 is not ok zzz")
    assert len(first) == 300
    assert first.endswith("...")
    assert first.isascii()
    assert violation_headers([]) == {}
    assert header_text("a\r\nb") == "a b"


def test_the_report_keeps_a_tally_per_request_and_rule_not_each_violation() -> None:
    # A body of 1,000 empty messages breaks the schema 1,000 times: a long-running server
    # that kept every violation would grow with each such request.
    problems = tuple(
        Problem(f"messages.{i}.role: Field required", path=f"messages.{i}.role")
        for i in range(1_000)
    )
    body = {"messages": [{}] * 1_000}
    exchanges = [
        exchange(body, request_id=f"req_{n}", status=400, problems=problems) for n in range(20)
    ]
    collector = ReportCollector()
    kept = kept_by(lambda: collector.observe_all(exchanges), contract_report.__file__)
    # One record per request and rule (~1 KB with its strings), not 20,000 (~6 MB).
    assert kept < 20 * 2_000
    collector.expect(["req_0"])
    rules = collector.report().to_json()["violations"]["rules"]
    assert [(r["rule"], r["count"], r["expected"]) for r in rules] == [("schema", 19_000, 1_000)]
    assert rules[0]["example"]["request_id"] == "req_1"
    assert rules[0]["example"]["message"] == "messages.0.role: Field required"
