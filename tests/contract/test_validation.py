"""RequestValidator: each kind of schema error, worded exactly as the real API words it."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.contract.context import VERSION_2023, VERSION_2026, RequestContext
from mockserver.contract.validation import RequestValidator

BETA = frozenset({"context-management-2025-06-27"})
BASE: dict[str, Any] = {
    "model": "claude-opus-5-5",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator()


def ctx(version: str = VERSION_2026, betas: frozenset[str] = frozenset()) -> RequestContext:
    return RequestContext("req_test", "sk-test", version, betas, {})


def messages_of(validator: RequestValidator, body: Any, **context: Any) -> list[str]:
    return [p.message for p in validator.check("messages", body, ctx(**context))]


def first(validator: RequestValidator, body: Any, **context: Any) -> str:
    found = messages_of(validator, body, **context)
    assert found, "expected the body to be refused"
    return found[0]


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def with_messages(*messages: Any, **params: Any) -> dict[str, Any]:
    return {**BASE, "messages": list(messages), **params}


TOOL = {"name": "get_weather", "input_schema": {"type": "object"}}


def test_a_valid_body_has_no_problems(validator: RequestValidator) -> None:
    assert validator.check("messages", BASE, ctx()) == []


def test_problems_carry_the_schema_rule_and_dotted_path(validator: RequestValidator) -> None:
    [problem] = validator.check("messages", {**BASE, "max_tokens": "many"}, ctx())
    assert problem.message == "max_tokens: Input should be a valid integer"
    assert (problem.rule, problem.path, problem.status) == ("schema", "max_tokens", 400)
    assert problem.error_type == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "m", "messages": []}, "max_tokens: Field required"),
        ({**BASE, "response_format": {}}, "response_format: Extra inputs are not permitted"),
        (
            {**BASE, "max_tokens": 1.5},
            "max_tokens: Input should be a valid integer, got a number with a fractional part",
        ),
        ({**BASE, "max_tokens": None}, "max_tokens: Input should be a valid integer"),
        ({**BASE, "max_tokens": -1}, "max_tokens: Input should be greater than or equal to 0"),
        ({**BASE, "stream": "yes"}, "stream: Input should be a valid boolean"),
        ({**BASE, "messages": "Hello"}, "messages: Input should be a valid list"),
        (
            {**BASE, "metadata": {"user_id": "u" * 513}},
            "metadata.user_id: String should have at most 512 characters",
        ),
        (
            {**BASE, "service_tier": "priority"},
            "service_tier: Input should be 'auto' or 'standard_only'",
        ),
        ({**BASE, "speed": "turbo"}, "speed: Input should be 'standard' or 'fast'"),
        (
            {**BASE, "output_config": {"effort": "extreme"}},
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'",
        ),
        (
            {**BASE, "container": {"skills": [{"skill_id": "s", "type": "anthropic"}] * 9}},
            "container.skills: List should have at most 8 items after validation, not 9",
        ),
        (
            {**BASE, "container": {"skills": [{"skill_id": "", "type": "custom"}]}},
            "container.skills.0.skill_id: String should have at least 1 character",
        ),
    ],
)
def test_top_level_shape(validator: RequestValidator, body: Any, expected: str) -> None:
    assert first(validator, body) == expected


def test_the_body_itself_must_be_an_object(validator: RequestValidator) -> None:
    assert first(validator, [BASE]) == "Input should be a valid dictionary"


@pytest.mark.parametrize("name", ["temperature", "top_p", "top_k"])
def test_sampling_parameters_are_gone_in_2026(validator: RequestValidator, name: str) -> None:
    body = {**BASE, name: 1}
    assert first(validator, body) == f"{name}: Extra inputs are not permitted"
    assert first(validator, body, betas=BETA) == f"{name}: Extra inputs are not permitted"
    assert messages_of(validator, body, version=VERSION_2023) == []


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("temperature", 1.5, "temperature: Input should be less than or equal to 1"),
        ("temperature", -0.1, "temperature: Input should be greater than or equal to 0"),
        ("top_p", 2, "top_p: Input should be less than or equal to 1"),
        ("top_k", -1, "top_k: Input should be greater than or equal to 0"),
        (
            "top_k",
            0.5,
            "top_k: Input should be a valid integer, got a number with a fractional part",
        ),
    ],
)
def test_sampling_parameters_are_ranged_in_2023(
    validator: RequestValidator, name: str, value: float, expected: str
) -> None:
    assert first(validator, {**BASE, name: value}, version=VERSION_2023) == expected


def test_count_tokens_takes_no_max_tokens(validator: RequestValidator) -> None:
    problems = validator.check("count_tokens", BASE, ctx())
    assert [p.message for p in problems] == ["max_tokens: Extra inputs are not permitted"]
    body = {k: v for k, v in BASE.items() if k != "max_tokens"}
    extras = {
        "system": "s",
        "tools": [TOOL],
        "tool_choice": {"type": "auto"},
        "speed": "fast",
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "low"},
        "cache_control": {"type": "ephemeral"},
    }
    assert validator.check("count_tokens", {**body, **extras}, ctx()) == []
    assert [p.message for p in validator.check("count_tokens", {"model": "m"}, ctx())] == [
        "messages: Field required"
    ]
    streamed = validator.check("count_tokens", {**body, "stream": True}, ctx(VERSION_2023))
    assert [p.message for p in streamed] == ["stream: Extra inputs are not permitted"]


BETA_PARAMETERS = {
    "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
    "mcp_servers": [{"type": "url", "name": "docs", "url": "https://mcp.example.com/sse"}],
    "thread": {"type": "continue", "previous_message_id": "msg_01"},
    "compaction": {"type": "summarize"},
    "fallbacks": [{"model": "claude-sonnet-5-5", "max_tokens": 2048}],
    "fallback_credit_token": {"token": "fct_01", "mode": "best_effort"},
    "billing_policy": {"type": "billing_policy", "bill_to": "user_profile"},
    "output_format": {"type": "json_schema", "schema": {"type": "object"}},
}


@pytest.mark.parametrize("name", BETA_PARAMETERS)
def test_beta_parameters_need_a_beta_header(validator: RequestValidator, name: str) -> None:
    body = {**BASE, name: BETA_PARAMETERS[name]}
    assert first(validator, body) == f"{name}: Extra inputs are not permitted"
    assert messages_of(validator, body, betas=BETA) == []
    assert messages_of(validator, body, version=VERSION_2023, betas=BETA) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                **BASE,
                "tools": [
                    {
                        "type": "computer_20250124",
                        "name": "computer",
                        "display_width_px": 1024,
                        "display_height_px": 768,
                    }
                ],
            },
            "tools.0: Input tag 'computer_20250124' found using 'type' does not match",
        ),
        (
            with_messages(
                user(
                    {
                        "type": "mcp_tool_use",
                        "id": "mcptoolu_01",
                        "name": "search",
                        "server_name": "docs",
                        "input": {},
                    }
                )
            ),
            "messages.0.content.0: Input tag 'mcp_tool_use' found using 'type' does not match",
        ),
        (
            {**BASE, "thinking": {"type": "adaptive", "display": "updates"}},
            "thinking.adaptive.display: Input should be 'summarized' or 'omitted'",
        ),
        (
            {**BASE, "output_config": {"task_budget": {"type": "tokens", "total": 20000}}},
            "output_config.task_budget: Extra inputs are not permitted",
        ),
        (
            with_messages({"role": "system", "content": "Be brief.", "clear_at": "never"}),
            "messages.0.clear_at: Extra inputs are not permitted",
        ),
    ],
)
def test_beta_blocks_tools_and_options_need_a_beta_header(
    validator: RequestValidator, body: Any, expected: str
) -> None:
    assert first(validator, body).startswith(expected)
    assert messages_of(validator, body, betas=BETA) == []


def test_every_problem_is_reported(validator: RequestValidator) -> None:
    body = {"messages": [{"role": "user", "content": 1}], "max_tokens": "x", "top_k": 1}
    assert messages_of(validator, body) == [
        "model: Field required",
        "messages.0.content: Input should be a valid list",
        "max_tokens: Input should be a valid integer",
        "top_k: Extra inputs are not permitted",
    ]
