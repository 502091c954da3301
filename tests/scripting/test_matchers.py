"""Each matcher: matches what it should, and says in words why it did not."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.scripting.conversation import Conversation
from mockserver.scripting.match import build, match
from mockserver.scripting.matchers import SpecError

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def conv(api_key: str = "k", headers: dict[str, str] | None = None, **body: Any) -> Conversation:
    body.setdefault("model", "claude-sonnet-4-6")
    body.setdefault("messages", [{"role": "user", "content": "What's the weather in Paris?"}])
    return Conversation(body, api_key, headers or {})


def tool_loop() -> Conversation:
    return conv(
        tools=[WEATHER_TOOL],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
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
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny, 24C"}
                ],
            },
        ],
    )


@pytest.mark.parametrize(
    ("spec", "request_conv", "reason"),
    [
        (
            {"model": "claude-haiku-*"},
            conv(),
            "model 'claude-sonnet-4-6' does not match 'claude-haiku-*'",
        ),
        (
            {"system": "translator"},
            conv(system="You are terse."),
            "system prompt 'You are terse.' does not contain 'translator'",
        ),
        (
            {"last_user_text": {"equals": "hi"}},
            conv(),
            "last user text \"What's the weather in Paris?\" is not 'hi'",
        ),
        ({"last_user_text": {"regex": "^Hello"}}, conv(), "does not match /^Hello/"),
        ({"any_message_text": "Berlin"}, conv(), "no message text contains 'Berlin'"),
        ({"tools": "get_weather"}, conv(), "tools offered [] do not include 'get_weather'"),
        (
            {"tools": {"types": "web_search_*"}},
            conv(tools=[WEATHER_TOOL]),
            "no tool of type 'web_search_*' is offered (types: custom)",
        ),
        ({"tools": {"count": 0}}, conv(tools=[WEATHER_TOOL]), "number of tools is 1, expected 0"),
        ({"tool_choice": "any"}, conv(), "tool_choice is 'auto', expected 'any'"),
        ({"tool_result": True}, conv(), "the last user message has no tool_result"),
        (
            {"tool_result": "lookup"},
            tool_loop(),
            "no tool_result for tool 'lookup' (found: get_weather)",
        ),
        (
            {"tool_result": {"is_error": True}},
            tool_loop(),
            "tool_result is_error is False, expected True",
        ),
        (
            {"tool_result": {"content": "Rain"}},
            tool_loop(),
            "tool_result content 'Sunny, 24C' does not contain 'Rain'",
        ),
        ({"thinking": True}, conv(), "thinking is disabled, expected on"),
        ({"stream": True}, conv(), "stream is false, expected true"),
        (
            {"output_config": {"effort": "low"}},
            conv(output_config={"effort": "high"}),
            "output_config.effort is 'high', expected 'low'",
        ),
        (
            {"user_id": "alice"},
            conv(metadata={"user_id": "bob"}),
            "metadata.user_id 'bob' is not 'alice'",
        ),
        ({"headers": {"X-Tenant": "acme"}}, conv(), "header x-tenant is missing"),
        ({"api_key": "team-a"}, conv(api_key="team-b"), "API key 'team-b' is not 'team-a'"),
        ({"turn": {"min": 2}}, conv(), "turn is 1, expected at least 2"),
        (
            {"max_tokens": {"max": 50}},
            conv(max_tokens=1024),
            "max_tokens is 1024, expected at most 50",
        ),
        ({"stop_sequences": "###"}, conv(), "stop_sequences [] do not include '###'"),
        ({"image": "url"}, conv(), "the last user message has no image"),
        (
            {"body": {"service_tier": "auto"}},
            conv(),
            "body.service_tier is missing, expected 'auto'",
        ),
        ({"not": {"model": "claude-*"}}, conv(), "it should not be that model matches 'claude-*'"),
    ],
)
def test_each_matcher_explains_its_mismatch(
    spec: dict[str, Any], request_conv: Conversation, reason: str
) -> None:
    reasons = build(spec).mismatches(request_conv)
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("spec", "request_conv"),
    [
        ({"model": ["claude-opus-*", "claude-sonnet-*"]}, conv()),
        (
            {"system": "translator"},
            conv(system=[{"type": "text", "text": "You are a translator."}]),
        ),
        ({"last_user_text": {"contains": "WEATHER", "ignore_case": True}}, conv()),
        ({"any_message_text": "Sunny"}, tool_loop()),
        (
            {"tools": {"includes": "get_weather", "excludes": "bash", "types": "custom"}},
            tool_loop(),
        ),
        (
            {"tool_choice": {"type": "tool", "name": "x"}},
            conv(tool_choice={"type": "tool", "name": "x"}),
        ),
        ({"tool_result": {"name": "get_weather", "id": "toolu_1", "is_error": False}}, tool_loop()),
        ({"thinking": "adaptive"}, conv(thinking={"type": "adaptive"})),
        ({"thinking": False}, conv(thinking={"type": "disabled"})),
        ({"stream": False}, conv()),
        (
            {"output_config": {"format": {"type": "json_schema"}}},
            conv(output_format={"type": "json_schema", "schema": {}}),
        ),
        ({"headers": {"x-tenant": {"contains": "acm"}}}, conv(headers={"x-tenant": "acme"})),
        ({"turn": 2}, tool_loop()),
        (
            {"image": "base64"},
            conv(
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/png",
                                    "data": "AA==",
                                },
                            }
                        ],
                    }
                ]
            ),
        ),
        ({"any": [{"model": "x"}, {"stream": False}]}, conv()),
        ({"all": [{"turn": 1}, {"not": {"stream": True}}]}, conv()),
    ],
)
def test_matchers_match(spec: dict[str, Any], request_conv: Conversation) -> None:
    assert build(spec).mismatches(request_conv) == []


def test_a_mapping_is_all_of_its_keys_and_reports_every_failure() -> None:
    reasons = build({"model": "x", "stream": True, "tools": "get_weather"}).mismatches(conv())
    assert len(reasons) == 3


def test_any_reports_each_alternative() -> None:
    reasons = build({"any": [{"model": "x"}, {"stream": True}]}).mismatches(conv())
    assert reasons == [
        "none of the alternatives matched: (model 'claude-sonnet-4-6' does not match 'x') "
        "or (stream is false, expected true)"
    ]


def test_last_user_text_ignores_tool_results_and_prefill() -> None:
    prefilled = conv(
        messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "{"}]
    )
    assert build({"last_user_text": {"equals": "Hi"}}).matches(prefilled)
    assert build({"last_user_text": {"equals": ""}}).matches(tool_loop())


def test_python_front_door_takes_the_yaml_keys() -> None:
    matcher = match({"not": {"stream": True}}, last_user_text="weather")
    assert matcher.matches(conv())
    assert "last user text contains 'weather'" in matcher.describe()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"modle": "x"}, "unknown matcher 'modle'"),
        ({"last_user_text": {"regex": "("}}, "last_user_text: regex '(' does not compile"),
        ({"turn": "two"}, "turn: expected a whole number"),
        ({"thinking": "sometimes"}, "thinking: expected true, false"),
    ],
)
def test_bad_specs_are_refused_with_the_key(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        build(spec)
