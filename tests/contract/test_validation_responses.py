"""ResponseValidator: what the server sends, checked against the response schemas."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockserver.contract.validation import ResponseValidator
from mockserver.errors import InvalidRequest, Overloaded, RequestTooLarge

MESSAGE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-opus-5-5",
    "content": [
        {"type": "thinking", "thinking": "Short.", "signature": "EqQBCkYIARgC"},
        {"type": "text", "text": "I'll check the weather."},
        {
            "type": "tool_use",
            "id": "toolu_01NR",
            "name": "get_weather",
            "input": {"location": "Paris"},
            "caller": {"type": "direct"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "stop_details": None,
    "usage": {
        "input_tokens": 31,
        "output_tokens": 547,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "service_tier": "standard",
        "inference_geo": "global",
        "output_tokens_details": {"thinking_tokens": 12},
    },
}
STREAM: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            **MESSAGE,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 377, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "ping"},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "I'll check the weather."},
    },
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_01NR",
            "name": "get_weather",
            "caller": {"type": "direct"},
            "input": {},
        },
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": ""},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"location": "Paris"}'},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "thinking_delta", "thinking": "Hm."},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "signature_delta", "signature": "Eq"},
    },
    {"type": "content_block_stop", "index": 2},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 65},
    },
    {"type": "message_stop"},
]
MODEL: dict[str, Any] = {
    "id": "claude-opus-5-5",
    "type": "model",
    "display_name": "Claude Opus 5.5",
    "created_at": "2026-10-07T00:00:00Z",
    "lifecycle": "active",
    "line": "opus",
    "max_input_tokens": 1000000,
    "max_tokens": 128000,
    "capabilities": None,
}


@pytest.fixture(scope="module")
def validator() -> ResponseValidator:
    return ResponseValidator()


def changed(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out.update(changes)
    return out


def test_a_complete_message(validator: ResponseValidator) -> None:
    assert validator.message(MESSAGE) == []
    minimal = {k: MESSAGE[k] for k in ("id", "type", "role", "model", "content", "stop_reason")}
    assert (
        validator.message(
            {**minimal, "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 2}}
        )
        == []
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"usage": {"input_tokens": 1}}, "usage.output_tokens: Field required"),
        (
            {"stop_reason": None},
            "stop_reason: Input should be 'end_turn', 'max_tokens', 'stop_sequence', "
            "'tool_use', 'pause_turn', 'refusal' or 'model_context_window_exceeded'",
        ),
        ({"role": "user"}, "role: Input should be 'assistant'"),
        (
            {"content": [{"type": "image", "source": {}}]},
            "content.0: Input tag 'image' found using 'type' does not match any of the expected "
            "tags: "
            "'bash_code_execution_tool_result', 'code_execution_tool_result', 'container_upload', "
            "'redacted_thinking', 'server_tool_use', 'text', "
            "'text_editor_code_execution_tool_result', "
            "'thinking', 'tool_search_tool_result', 'tool_use', 'web_fetch_tool_result', "
            "'web_search_tool_result'",
        ),
        (
            {"content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]},
            "content.0.text.cache_control: Extra inputs are not permitted",
        ),
        (
            {"stop_details": {"type": "refusal", "category": "spam"}},
            "stop_details.category: Input should be 'cyber', 'bio', 'frontier_llm', "
            "'reasoning_extraction' or 'general_harms'",
        ),
        (
            {"usage": {"input_tokens": -1, "output_tokens": 0}},
            "usage.input_tokens: Input should be greater than or equal to 0",
        ),
        ({"id": ""}, "id: String should have at least 1 character"),
    ],
)
def test_message_problems(
    validator: ResponseValidator, changes: dict[str, Any], expected: str
) -> None:
    assert validator.message(changed(MESSAGE, **changes))[0] == expected


def test_beta_messages(validator: ResponseValidator) -> None:
    compacted = changed(
        MESSAGE,
        stop_reason="compaction",
        content=[{"type": "compaction", "content": "Summary.", "signature": "Eq"}],
        context_management={
            "applied_edits": [
                {
                    "type": "clear_thinking_20251015",
                    "cleared_input_tokens": 10,
                    "cleared_thinking_turns": 1,
                }
            ]
        },
    )
    assert validator.message(compacted, beta=True) == []
    assert "context_management: Extra inputs are not permitted" in validator.message(compacted)


def test_the_documented_stream(validator: ResponseValidator) -> None:
    assert [validator.event(e) for e in STREAM] == [[] for _ in STREAM]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": ""},
            },
            "content_block_start.content_block.thinking.signature: Field required",
        ),
        (
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text", "text": "x"}},
            "content_block_delta.delta: Input tag 'text' found using 'type' does not match any of "
            "the expected tags: 'citations_delta', 'input_json_delta', 'signature_delta', "
            "'text_delta', 'thinking_delta'",
        ),
        (
            {"type": "content_block_stop", "index": -1},
            "content_block_stop.index: Input should be greater than or equal to 0",
        ),
        (
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {},
            },
            "message_delta.usage.output_tokens: Field required",
        ),
        (
            {"type": "message_start", "message": {**MESSAGE, "usage": {"output_tokens": 1}}},
            "message_start.message.usage.input_tokens: Field required",
        ),
        (
            {"type": "done"},
            "Input tag 'done' found using 'type' does not match any of the expected tags: "
            "'content_block_delta', 'content_block_start', 'content_block_stop', 'error', "
            "'message_delta', 'message_start', 'message_stop', 'ping'",
        ),
    ],
)
def test_event_problems(validator: ResponseValidator, event: dict[str, Any], expected: str) -> None:
    """The event union names the event type in paths, like every tagged union."""
    assert validator.event(event) == [expected]


def test_beta_stream_events(validator: ResponseValidator) -> None:
    delta = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "compaction_delta", "content": "Summary so far."},
    }
    assert validator.event(delta, beta=True) == []
    assert validator.event(delta) != []


def test_error_bodies_built_by_the_errors_module(validator: ResponseValidator) -> None:
    assert validator.error(InvalidRequest("max_tokens: Field required").body("req_011CX")) == []
    assert validator.error(Overloaded().body(None)) == []
    assert validator.error(RequestTooLarge().body("req_1")) == []
    detailed = InvalidRequest("too big", details={"error_code": "image_dimensions_too_large"})
    assert validator.error(detailed.body("req_1")) == []
    midstream = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert validator.event(midstream) == []


def test_error_problems(validator: ResponseValidator) -> None:
    no_request_id = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert validator.error(no_request_id) == ["request_id: Field required"]
    odd_type = {**no_request_id, "request_id": "req_1", "error": {"type": "oops", "message": "x"}}
    assert validator.error(odd_type)[0].startswith(
        "error.type: Input should be 'invalid_request_error',"
    )
    no_code = {**odd_type, "error": {"type": "api_error", "message": "x", "details": {}}}
    assert validator.error(no_code) == ["error.details.error_code: Field required"]


def test_models_and_token_counts(validator: ResponseValidator) -> None:
    assert validator.model(MODEL) == []
    assert validator.model({k: v for k, v in MODEL.items() if k != "lifecycle"}) == [
        "lifecycle: Field required"
    ]
    assert validator.model(changed(MODEL, created_at="yesterday"))[0].startswith(
        "created_at: String should match pattern"
    )
    page = {"data": [MODEL], "has_more": False, "first_id": MODEL["id"], "last_id": MODEL["id"]}
    assert validator.models_page(page) == []
    assert validator.models_page({"data": [], "has_more": False}) == [
        "first_id: Field required",
        "last_id: Field required",
    ]
    assert validator.count_tokens({"input_tokens": 14}) == []
    assert validator.count_tokens({"input_tokens": "14"}) == [
        "input_tokens: Input should be a valid integer"
    ]
