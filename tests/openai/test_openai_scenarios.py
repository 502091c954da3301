"""One scenario file answers both doors; `api:` keeps a step to one of them."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import openai
import pytest
from conftest import MODEL, TEST_KEY

from mockserver.errors import ScenarioError
from mockserver.server import MockServer

WEATHER_YAML = """\
version: 1
name: weather
isolation: conversation
steps:
  - name: ask
    match: {last_user_text: weather, tools: get_weather}
    reply:
      text: Let me check.
      tool_use: {name: get_weather, input: {city: Paris}}
  - name: answer
    match: {tool_result: get_weather}
    reply: "It is {{ tool_result }} in {{ tool_input.city }}."
"""

DOORS_YAML = """\
version: 1
name: doors
rules:
  - name: openai-only
    match: {api: openai}
    reply: You came through chat completions.
  - name: anthropic-only
    match: {api: anthropic}
    reply: You came through messages.
"""

TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def _load(srv: MockServer, tmp_path: Path, text: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    srv.load(path)


def test_same_scenario_answers_both_doors(fresh: MockServer, tmp_path: Path) -> None:
    _load(fresh, tmp_path, WEATHER_YAML)
    sdk = openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0)
    function = {"name": TOOL["name"], "description": TOOL["description"]}
    tools = [{"type": "function", "function": {**function, "parameters": TOOL["input_schema"]}}]
    ask = [{"role": "user", "content": "weather in Paris?"}]
    first = sdk.chat.completions.create(model=MODEL, messages=ask, tools=tools)  # type: ignore[arg-type]
    call = (first.choices[0].message.tool_calls or [])[0]
    assert first.choices[0].message.content == "Let me check."
    assert json.loads(call.function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]
    follow = [
        *ask,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = sdk.chat.completions.create(model=MODEL, messages=follow, tools=tools)  # type: ignore[arg-type]
    assert second.choices[0].message.content == "It is sunny in Paris."

    claude = anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0)
    turn: list[anthropic.types.MessageParam] = [{"role": "user", "content": "weather in Paris?"}]
    got = claude.messages.create(model=MODEL, max_tokens=200, messages=turn, tools=[TOOL])  # type: ignore[list-item]
    use = next(b for b in got.content if b.type == "tool_use")
    turn += [
        {"role": "assistant", "content": got.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}],
        },
    ]
    done = claude.messages.create(model=MODEL, max_tokens=200, messages=turn, tools=[TOOL])  # type: ignore[list-item]
    assert done.content[0].type == "text"
    assert done.content[0].text == "It is sunny in Paris."
    steps = [(e.api, e.step) for e in fresh.journal.all()]
    assert steps == [
        ("openai", "weather/ask"),
        ("openai", "weather/answer"),
        ("anthropic", "weather/ask"),
        ("anthropic", "weather/answer"),
    ]


def test_api_matcher_keeps_a_rule_to_one_door(fresh: MockServer, tmp_path: Path) -> None:
    _load(fresh, tmp_path, DOORS_YAML)
    sdk = openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0)
    chat = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert chat.choices[0].message.content == "You came through chat completions."
    claude = anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0)
    msg = claude.messages.create(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    )
    assert msg.content[0].type == "text"
    assert msg.content[0].text == "You came through messages."
    assert [e.step for e in fresh.journal.all()] == ["doors/openai-only", "doors/anthropic-only"]


def test_api_matcher_refuses_an_unknown_door(fresh: MockServer, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="api"):
        _load(fresh, tmp_path, DOORS_YAML.replace("{api: openai}", "{api: bedrock}"))
