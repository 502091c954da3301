"""RequestValidator accepts the bodies real clients put on the wire (spec §12)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.contract.context import VERSION_2023, VERSION_2026, RequestContext
from mockserver.contract.validation import RequestValidator

CLAUDE_CODE_BETAS = frozenset(
    {
        "claude-code-20250219",
        "interleaved-thinking-2025-05-14",
        "context-management-2025-06-27",
        "effort-2025-11-24",
        "mid-conversation-system-2026-04-07",
    }
)
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator()


def problems(
    validator: RequestValidator,
    body: dict[str, Any],
    version: str = VERSION_2026,
    betas: frozenset[str] = frozenset(),
    kind: str = "messages",
) -> list[str]:
    ctx = RequestContext("req_test", "sk-test", version, betas, {})
    return [p.message for p in validator.check(kind, body, ctx)]  # type: ignore[arg-type]


def claude_code_tool(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} does one thing well.",
        "input_schema": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"file_path": {"type": "string"}, "limit": {"type": "number"}},
            "required": ["file_path"],
            "additionalProperties": False,
        },
    }


def test_claude_code(validator: RequestValidator) -> None:
    cached = {"type": "ephemeral"}
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 64000,
        "stream": True,
        "system": [
            {"type": "text", "text": "You are Claude Code.", "cache_control": cached},
            {"type": "text", "text": "Rules. " * 500, "cache_control": cached},
            {"type": "text", "text": "Environment.", "cache_control": {**cached, "ttl": "1h"}},
        ],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Fix the failing test."}]},
            {"role": "system", "content": "<system-reminder>Todo list is empty.</system-reminder>"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "Run the tests first.", "signature": "EqQB"},
                    {"type": "redacted_thinking", "data": "EmwKAhgB"},
                    {
                        "type": "tool_use",
                        "id": "toolu_01A",
                        "name": "Bash",
                        "input": {"command": "pytest -x"},
                        "caller": {"type": "direct"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01A",
                        "is_error": True,
                        "content": [{"type": "text", "text": "1 failed"}],
                    },
                    {"type": "text", "text": "Go on.", "cache_control": cached},
                ],
            },
        ],
        "tools": [claude_code_tool(n) for n in ("Bash", "Read", "Edit", "Grep", "Glob")],
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "xhigh"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "metadata": {"user_id": json.dumps({"device_id": "d1", "session_id": "s1"})},
    }
    assert problems(validator, body, VERSION_2023, CLAUDE_CODE_BETAS) == []
    counted = {k: v for k, v in body.items() if k not in ("max_tokens", "stream", "metadata")}
    assert problems(validator, counted, VERSION_2023, CLAUDE_CODE_BETAS, "count_tokens") == []


def test_python_sdk_2_minimal(validator: RequestValidator) -> None:
    body = {"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "model": "m"}
    assert problems(validator, body) == []


def test_tool_loop_with_an_image_in_a_tool_result(validator: RequestValidator) -> None:
    body = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 2048,
        "tools": [
            {
                "name": "screenshot",
                "description": "Capture the screen.",
                "input_schema": {"type": "object", "properties": {}},
            },
            {
                "type": "custom",
                "name": "get_weather",
                "strict": True,
                "eager_input_streaming": True,
                "input_schema": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        ],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
        "messages": [
            {"role": "user", "content": "What is on my screen, and the weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look."},
                    {"type": "tool_use", "id": "toolu_01S", "name": "screenshot", "input": {}},
                    {
                        "type": "tool_use",
                        "id": "toolu_01W",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01S",
                        "content": [
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/png",
                                    "data": PNG,
                                },
                            },
                        ],
                    },
                    {"type": "tool_result", "tool_use_id": "toolu_01W", "content": "Sunny, 24°C"},
                ],
            },
        ],
    }
    assert problems(validator, body) == []


def test_structured_output(validator: RequestValidator) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    body = {
        "model": "claude-haiku-5-5",
        "max_tokens": 128000,
        "messages": [{"role": "user", "content": "Answer in JSON."}],
        "output_config": {"format": {"type": "json_schema", "schema": schema}, "effort": None},
    }
    assert problems(validator, body) == []
    # LiteLLM still sends the older top-level form, under the structured-outputs beta.
    legacy = {
        **{k: v for k, v in body.items() if k != "output_config"},
        "output_format": {"type": "json_schema", "schema": schema},
        "temperature": 0.2,
    }
    betas = frozenset({"structured-outputs-2025-11-13"})
    assert problems(validator, legacy, VERSION_2023, betas) == []


def test_forced_tool_for_structured_output(validator: RequestValidator) -> None:
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "temperature": 0,
        "messages": [{"role": "user", "content": "Extract the person."}],
        "tools": [{"name": "Person", "input_schema": {"type": "object", "properties": {}}}],
        "tool_choice": {"type": "tool", "name": "Person"},
    }
    assert problems(validator, body, VERSION_2023) == []


def test_tool_runner_thread_and_documents(validator: RequestValidator) -> None:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 4096,
        "thread": {"type": "create"},
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "title": "Notes",
                        "context": "meeting",
                        "citations": {"enabled": True},
                        "source": {
                            "type": "text",
                            "media_type": "text/plain",
                            "data": "We agreed on Friday.",
                        },
                    },
                    {
                        "type": "search_result",
                        "source": "https://wiki",
                        "title": "Wiki",
                        "content": [{"type": "text", "text": "Deploys happen on Fridays."}],
                    },
                    {"type": "text", "text": "When do we deploy?"},
                ],
            },
            {"role": "assistant", "content": "We deploy on"},
        ],
    }
    assert problems(validator, body, betas=frozenset({"message-threads-2026-08-12"})) == []


def test_server_tools_echoed_back(validator: RequestValidator) -> None:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 4096,
        "tools": [
            {
                "type": "web_search_20260318",
                "name": "web_search",
                "max_uses": 3,
                "allowed_domains": ["example.com"],
                "response_inclusion": "full",
                "user_location": {"type": "approximate", "city": "Paris", "country": "FR"},
            },
            {"type": "code_execution_20260120", "name": "code_execution"},
        ],
        "messages": [
            {"role": "user", "content": "Search the news."},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_01A",
                        "name": "web_search",
                        "input": {"query": "news"},
                    },
                    {
                        "type": "web_search_tool_result",
                        "tool_use_id": "srvtoolu_01A",
                        "content": [
                            {
                                "type": "web_search_result",
                                "title": "News",
                                "url": "https://example.com",
                                "encrypted_content": "EqgB",
                                "page_age": None,
                            }
                        ],
                    },
                    {
                        "type": "text",
                        "text": "Here is the news.",
                        "citations": [
                            {
                                "type": "web_search_result_location",
                                "cited_text": "News",
                                "url": "https://example.com",
                                "title": "News",
                                "encrypted_index": "Eo8B",
                            }
                        ],
                    },
                ],
            },
            {"role": "user", "content": "Thanks."},
        ],
        "container": {
            "id": None,
            "skills": [{"type": "anthropic", "skill_id": "pptx", "version": "latest"}],
        },
        "diagnostics": {"previous_message_id": "msg_01"},
        "service_tier": "auto",
        "inference_geo": "us",
        "speed": "fast",
        "cache_control": {"type": "ephemeral"},
        "stop_sequences": ["\n\nHuman:"],
    }
    assert problems(validator, body) == []
