"""The default reply follows the client's flow: forced tools, tool loops, thinking, JSON."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from mockserver.scripting.default_reply import GREETING, default_reply

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"],
    },
}
TIME = {
    "name": "get_time",
    "description": "The local time",
    "input_schema": {"type": "object", "properties": {}},
}


def body(text: str = "What's the weather in Paris?", **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def kinds(reply_body: dict[str, Any]) -> list[str]:
    return [str(b["type"]) for b in default_reply(reply_body).content]


def test_plain_text_greets_and_echoes_deterministically() -> None:
    first, second = default_reply(body("Hello, Claude")), default_reply(body("Hello, Claude"))
    assert first == second
    assert first.content[0]["text"] == f'{GREETING} You said: "Hello, Claude"'


def test_a_plain_request_gets_the_same_reply_as_one_worked_out_in_full() -> None:
    # `thinking: disabled` and a block-list turn change nothing, but take the general path.
    said = "Hello,\n   Claude " + "and more " * 30
    plain = default_reply(body(said))
    assert default_reply(body(said, thinking={"type": "disabled"})) == plain
    blocks = body(said)
    blocks["messages"][0]["content"] = [{"type": "text", "text": said}]
    assert default_reply(blocks) == plain
    assert plain.content[0]["text"].endswith('…"')
    assert default_reply(body("")).content[0]["text"] == GREETING


def test_forced_tool_choice_calls_that_tool_with_valid_input() -> None:
    reply = default_reply(
        body("hi", tools=[TIME, WEATHER], tool_choice={"type": "tool", "name": "get_weather"})
    )
    [call] = reply.content
    assert call["type"] == "tool_use"
    assert call["name"] == "get_weather"
    assert Draft202012Validator(WEATHER["input_schema"]).is_valid(call["input"])
    assert call["input"] == {"city": "example", "unit": "celsius"}


def test_any_picks_the_tool_the_user_talks_about() -> None:
    reply = default_reply(body(tools=[TIME, WEATHER], tool_choice={"type": "any"}))
    assert [b["name"] for b in reply.content] == ["get_weather"]
    reply = default_reply(
        body("no overlap at all", tools=[TIME, WEATHER], tool_choice={"type": "any"})
    )
    assert [b["name"] for b in reply.content] == ["get_time"]


def test_auto_tool_loop_calls_then_answers_from_the_result() -> None:
    first = default_reply(body(tools=[WEATHER]))
    assert [b["type"] for b in first.content] == ["text", "tool_use"]
    loop = body(tools=[WEATHER])
    loop["messages"] += [
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                }
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny, 24C"}],
        },
    ]
    second = default_reply(loop)
    assert second.content == (
        {"type": "text", "text": "The get_weather tool returned: Sunny, 24C"},
    )


def test_no_tool_call_under_none_or_with_server_tools_only() -> None:
    assert kinds(body(tools=[WEATHER], tool_choice={"type": "none"})) == ["text"]
    assert kinds(body(tools=[{"type": "web_search_20250305", "name": "web_search"}])) == ["text"]


def test_thinking_comes_first() -> None:
    assert kinds(body(thinking={"type": "enabled", "budget_tokens": 2000})) == ["thinking", "text"]
    assert kinds(body(thinking={"type": "adaptive"}, tools=[WEATHER])) == [
        "thinking",
        "text",
        "tool_use",
    ]
    omitted = default_reply(body(thinking={"type": "adaptive", "display": "omitted"}))
    assert omitted.content[0] == {"type": "thinking", "thinking": ""}


def test_json_schema_output_is_valid_json() -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer", "minimum": 1}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    for request in (
        body(output_config={"format": {"type": "json_schema", "schema": schema}}),
        body(output_format={"type": "json_schema", "schema": schema}),
    ):
        [text] = default_reply(request).content
        assert Draft202012Validator(schema).is_valid(json.loads(text["text"]))


def test_a_tool_result_is_named_after_the_latest_call_with_its_id() -> None:
    def call(tool_id: str, name: str) -> dict[str, Any]:
        return {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": tool_id, "name": name, "input": {}}],
        }

    def result(tool_id: str) -> dict[str, Any]:
        return {
            "role": "user",
            "content": [
                {"type": "text", "text": "here you go"},
                {"type": "tool_result", "tool_use_id": tool_id, "content": "done"},
            ],
        }

    loop = body(tools=[WEATHER, TIME])
    # toolu_1 was reused: the later call (get_time) is the one answered. toolu_0 answers a
    # call made two turns back, found by searching further.
    loop["messages"] += [call("toolu_0", "get_weather"), result("toolu_0")]
    loop["messages"] += [call("toolu_1", "get_weather"), result("toolu_1")]
    loop["messages"] += [call("toolu_1", "get_time"), result("toolu_1")]
    assert default_reply(loop).content[-1]["text"] == "The get_time tool returned: done"
    loop["messages"][-1] = result("toolu_0")
    assert default_reply(loop).content[-1]["text"] == "The get_weather tool returned: done"
    loop["messages"][-1] = result("toolu_9")
    assert default_reply(loop).content[-1]["text"] == "The tool tool returned: done"
