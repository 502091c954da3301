"""Valid traffic in the shapes real clients send (api-surface.md §12): all of it must pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rules_support import (
    assistant,
    image,
    jpeg,
    messages_of,
    model,
    png,
    problems,
    reply,
    request,
    schema_problems,
    text,
    thinking,
    tool_result,
    tool_use,
    user,
)

from mockserver.contract.context import VERSION_2023

CLAUDE_CODE_BETAS = (
    "claude-code-20250219",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "prompt-caching-scope-2026-01-05",
    "effort-2025-11-24",
)
CACHED = {"type": "ephemeral"}
OPUS = model("claude-opus-5-5", binds_thinking=True, forced_tool_choice=False, max_image_side=2576)


def accepted(body: dict[str, Any], **options: Any) -> list[str]:
    """Everything the server would object to: the schema stage, then the rules."""
    schema_options = {k: v for k, v in options.items() if k in ("version", "betas", "kind")}
    return schema_problems(body, **schema_options) + messages_of(problems(body, **options))


def _cc_tool(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name} tool.",
        "input_schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"arg": {"type": "string"}},
            "required": ["arg"],
            "additionalProperties": False,
        },
    }


class ClaudeCodeSession:
    """Replays how Claude Code drives a conversation, request after request."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        tools = [_cc_tool(n) for n in ("Bash", "Read", "Edit", "Grep", "Task", "TodoWrite")]
        tools[-1] = {**tools[-1], "cache_control": CACHED}
        self.base: dict[str, Any] = {
            "model": "claude-opus-5-5",
            "max_tokens": 64000,
            "stream": True,
            "system": [
                text("x-anthropic-billing-header: cc_version=2.1.0; cc_entrypoint=cli"),
                text(
                    "You are Claude Code, Anthropic's official CLI for Claude.",
                    cache_control=CACHED,
                ),
                text("Working directory: /repo\nIs git repo: yes", cache_control=CACHED),
            ],
            "tools": tools,
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": "high"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "metadata": {"user_id": json.dumps({"device_id": "d1", "session_id": "s1"})},
        }

    def body(self) -> dict[str, Any]:
        # The cache marker always sits on the newest user block: earlier ones lose it.
        messages = json.loads(json.dumps(self.messages))
        for message in messages:
            if isinstance(message["content"], list):
                for block in message["content"]:
                    block.pop("cache_control", None)
        last = messages[-1]["content"]
        if isinstance(last, list):
            last[-1]["cache_control"] = CACHED
        return {**self.base, "messages": messages}

    def send(self, *blocks: dict[str, Any]) -> dict[str, Any]:
        """The request as sent; the reply (signed as the server signs) joins the history."""
        body = self.body()
        self.messages.append(reply(body, *blocks))
        return body

    def user(self, *blocks: dict[str, Any]) -> None:
        self.messages.append(user(list(blocks)))


def _claude_code_requests() -> list[dict[str, Any]]:
    cc = ClaudeCodeSession()
    reminder = text("<system-reminder>Todo list is empty.</system-reminder>")
    cc.user(text("Fix the failing test in tests/test_x.py"), reminder)
    bodies = [
        cc.send(
            thinking(""), text("Let me look."), tool_use("toolu_01A", "Read", arg="tests/test_x.py")
        )
    ]
    cc.user(tool_result("toolu_01A", "def test_x(): assert f() == 2"))
    bodies.append(
        cc.send(
            thinking(""),
            tool_use("toolu_01B", "Grep", arg="def f"),
            tool_use("toolu_01C", "Bash", arg="pytest -x"),
        )
    )
    shot = [text("Screenshot of the failure"), image(png(1400, 900))]
    cc.user(
        tool_result("toolu_01B", "src/x.py:1:def f(): return 1"),
        tool_result("toolu_01C", shot),
        reminder,
    )
    cc.messages.append({"role": "system", "content": "The user switched to plan mode."})
    bodies.append(cc.send(thinking(""), tool_use("toolu_01D", "Edit", arg="return 2")))
    cc.user(tool_result("toolu_01D", "File updated.", is_error=False))
    bodies.append(cc.send(thinking("Summarise."), text("Fixed: f() now returns 2.")))
    cc.user(text("Thanks! Now run the whole suite."))
    bodies.append(cc.send(thinking(""), tool_use("toolu_01E", "Bash", arg="pytest")))
    cc.user(tool_result("toolu_01E", [text("12 passed")]))
    bodies.append(cc.send(text("All 12 tests pass.")))  # adaptive thinking may skip thinking
    cc.user(text("Great."))
    bodies.append(cc.body())
    return bodies


@pytest.mark.parametrize("step", range(7))
def test_claude_code_agent_session_passes_at_every_request(step: int) -> None:
    body = _claude_code_requests()[step]
    assert accepted(body, model_spec=OPUS, version=VERSION_2023, betas=CLAUDE_CODE_BETAS) == []


def test_claude_code_token_count_of_the_session_passes() -> None:
    body = _claude_code_requests()[-1]
    counted = {k: v for k, v in body.items() if k not in ("max_tokens", "stream", "metadata")}
    found = accepted(
        counted, model_spec=OPUS, version=VERSION_2023, betas=CLAUDE_CODE_BETAS, kind="count_tokens"
    )
    assert found == []


def test_claude_code_session_fails_once_its_history_is_edited() -> None:
    """The control for the test above: the bodies do carry bound, checked thinking."""
    body = _claude_code_requests()[-1]
    body["messages"][2]["content"][0]["content"] = "[Old tool result content cleared]"
    found = problems(body, model_spec=OPUS, version=VERSION_2023, betas=CLAUDE_CODE_BETAS)
    assert [p.rule for p in found] == ["thinking_binding"] * 4
    assert found[0].path == "messages.3.content.0"


def test_dropping_earlier_turns_thinking_passes() -> None:
    body = _claude_code_requests()[-1]
    for message in body["messages"][:-3]:
        if message["role"] == "assistant":
            message["content"] = [b for b in message["content"] if b["type"] != "thinking"]
    assert accepted(body, model_spec=OPUS, version=VERSION_2023, betas=CLAUDE_CODE_BETAS) == []


def test_sdk_tool_runner_with_parallel_calls_passes() -> None:
    tools = [{"name": "get_weather", "input_schema": {"type": "object"}, "strict": True}]
    first = request(user("Weather in Paris and Rome?"), tools=tools)
    calls = reply(
        first,
        text("Checking both."),
        tool_use("toolu_01P", city="Paris"),
        tool_use("toolu_01R", city="Rome"),
    )
    second = request(
        user("Weather in Paris and Rome?"),
        calls,
        user([tool_result("toolu_01P", "Sunny"), tool_result("toolu_01R", "Rain", is_error=False)]),
        tools=tools,
    )
    done = reply(second, text("Paris is sunny; Rome has rain."))
    third = request(*second["messages"], done, user("And Oslo?"), tools=tools)
    assert accepted(second) == []
    assert accepted(third) == []


def test_results_split_over_consecutive_user_messages_pass() -> None:
    body = request(
        user("Weather in two cities?"),
        user([text("Use Celsius.")]),
        assistant([tool_use("toolu_01P", city="Paris"), tool_use("toolu_01R", city="Rome")]),
        user([tool_result("toolu_01P", "21C")]),
        {"role": "system", "content": "Tool results may be late."},
        user([tool_result("toolu_01R", "18C")]),
        user("Summarise please."),
    )
    # Opus 5 takes system messages inside `messages`; Sonnet 4.6, the default, does not.
    assert accepted(body, model_spec="claude-opus-5") == []


def test_structured_output_shapes_pass() -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    json_format = request(
        user("Answer in JSON."),
        output_config={"format": {"type": "json_schema", "schema": schema}},
        thinking={"type": "adaptive"},
    )
    forced = request(
        user("Extract the answer."),
        tools=[{"name": "Answer", "input_schema": schema}],
        tool_choice={"type": "tool", "name": "Answer"},
    )
    # Adaptive thinking accepts a forced tool on models that take forced tool use at all.
    forced_adaptive = {**forced, "thinking": {"type": "adaptive"}}
    assert accepted(json_format) == []
    assert accepted(forced) == []
    assert accepted(forced_adaptive) == []


def test_litellm_legacy_shapes_pass() -> None:
    tools = [{"type": "custom", "name": "lookup", "input_schema": {"type": "object"}}]
    plain = request(user("hi"), temperature=0.2, tools=tools)
    thinking_t1 = request(
        user("hi"),
        max_tokens=8000,
        temperature=1,
        thinking={"type": "enabled", "budget_tokens": 4000},
    )
    interleaved = request(
        user("hi"), max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 16000}
    )
    assert accepted(plain, version=VERSION_2023) == []
    assert accepted(thinking_t1, version=VERSION_2023) == []
    assert (
        accepted(interleaved, version=VERSION_2023, betas=["interleaved-thinking-2025-05-14"]) == []
    )


def test_manual_thinking_tool_loop_passes() -> None:
    enabled = {"type": "enabled", "budget_tokens": 2048}
    first = request(user("Plan a trip."), max_tokens=8000, thinking=enabled)
    step1 = reply(first, thinking("Weather first."), tool_use("toolu_01A", city="Oslo"))
    # Without interleaved thinking the next step of the same turn opens with the tool call.
    step2 = assistant([tool_use("toolu_01B", "get_flights", to="Oslo")])
    loop = request(
        user("Plan a trip."),
        step1,
        user([tool_result("toolu_01A", "Cold")]),
        step2,
        user([tool_result("toolu_01B", "Two flights")]),
        max_tokens=8000,
        thinking=enabled,
    )
    assert accepted(loop) == []


def test_prefill_and_paused_turns_pass_where_allowed() -> None:
    prefill = request(user("Reply in JSON."), assistant("{"))
    search = [
        {
            "type": "server_tool_use",
            "id": "srvtoolu_01A",
            "name": "web_search",
            "input": {"query": "x"},
        },
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_01A",
            "content": [
                {
                    "type": "web_search_result",
                    "url": "https://a.com",
                    "title": "A",
                    "encrypted_content": "e",
                }
            ],
        },
    ]
    paused = request(
        user("Search the web."),
        assistant(search),
        tools=[{"type": "web_search_20250305", "name": "web_search", "allowed_domains": ["a.com"]}],
    )
    empty_final = request(user("hi"), assistant([]))
    assert accepted(prefill, model_spec="claude-haiku-4-5") == []
    assert accepted(paused, model_spec="claude-opus-5-5") == []
    assert accepted(empty_final, model_spec="claude-haiku-4-5") == []


def test_2023_version_keeps_documents_and_citations() -> None:
    citation = {
        "type": "char_location",
        "cited_text": "Q",
        "document_index": 0,
        "document_title": "Doc",
        "start_char_index": 0,
        "end_char_index": 1,
    }
    cited = text("Quoted.", citations=[citation])
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "d"},
    }
    body = request(user([cited]), assistant([document, text("ok")]), user("more"))
    assert accepted(body, version=VERSION_2023) == []
    assert problems(body) != []


def test_twenty_large_images_and_good_media_types_pass() -> None:
    images = [image(png(2000, 1500)) for _ in range(19)] + [image(jpeg(640, 480), "image/jpeg")]
    body = request(user([*images, text("Which differ?")]))
    assert accepted(body) == []


def test_server_signed_blocks_pass_on_models_that_do_not_bind() -> None:
    first = request(user("hi"), system="one")
    answer = reply(first, thinking("t"), text("hello"))
    later = request(
        user("hi"), answer, user("more"), system="another", thinking={"type": "adaptive"}
    )
    assert accepted(later) == []
    assert problems(later, model_spec=model("claude-sonnet-4-6", binds_thinking=True)) != []
