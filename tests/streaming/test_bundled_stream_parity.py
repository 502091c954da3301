"""For every bundled scenario, the stream and the JSON reply are the same Message.

Each case is the request the scenario answers, sent once through the SDK's stream helper
(`get_final_message()`) and once as a plain create, with a reset in between so both see
the same scenario progress and the same (cold) prompt cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from conftest import MODEL, TEST_KEY
from stream_support import assert_same_message
from test_bundled_scenarios import PNG

from mockserver.config import Config
from mockserver.resources import scenarios_dir
from mockserver.scripting.loader import load_scenarios
from mockserver.server import MockServer

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "获取指定城市的天气信息",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "城市名称"}},
        "required": ["city"],
    },
}
MANUAL = "You answer questions about the Lighthouse Keeper's Manual below.\n" + (
    "Chapter 3. Keeping the lamp lit: trim the wick, clean the lens, log the hours. " * 300
)


def user(content: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


def image(source: dict[str, Any]) -> list[dict[str, Any]]:
    return user([{"type": "image", "source": source}, {"type": "text", "text": "描述这张图片"}])


# scenario name → the request that scenario answers
CASES: dict[str, dict[str, Any]] = {
    "hello": {"messages": user("Hello, Claude!")},
    "translator": {
        "system": "You are a professional translator. Translate all user input to Chinese.",
        "messages": user("Hello, how are you today?"),
    },
    "story": {"messages": user("讲一个故事")},
    "weather": {"tools": [WEATHER_TOOL], "messages": user("北京今天天气怎么样?")},
    "image": {"messages": image({"type": "base64", "media_type": "image/png", "data": PNG})},
    "thinking": {
        "max_tokens": 16000,
        "thinking": {"type": "enabled", "budget_tokens": 10000},
        "messages": user("Are there an infinite number of prime numbers such that n mod 4 == 3?"),
    },
    "caching": {
        "system": [{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}],
        "messages": user("How often is the lens cleaned?"),
    },
    "web-search": {
        "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
        "messages": user("How do I update a web app to TypeScript 5.5?"),
    },
    "effort": {"output_config": {"effort": "low"}, "messages": user("Explain recursion.")},
    "rate-limit": {"messages": user("demo: rate limit")},
    "refusal": {"messages": user("demo: refusal")},
    "max-tokens": {"max_tokens": 8, "messages": user("demo: max tokens")},
    "stop-sequence": {"stop_sequences": ["###"], "messages": user("demo: stop sequence")},
}
# Scenarios whose every answer is an error: both paths must raise the same SDK error.
ERROR_CASES: dict[str, dict[str, Any]] = {"overloaded": {"messages": user("demo: overloaded")}}


@pytest.fixture(scope="module")
def bundled() -> Iterator[MockServer]:
    with MockServer(Config(port=0, bundled_scenarios=True)) as server:
        yield server


def test_every_bundled_scenario_has_a_case() -> None:
    names = {s.name for s in load_scenarios([scenarios_dir()])}
    assert names == set(CASES) | set(ERROR_CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stream_and_json_are_the_same_message(bundled: MockServer, name: str) -> None:
    params = {"model": MODEL, "max_tokens": 1024} | CASES[name]
    # max_retries: the rate-limit scenario answers 429 first, as the real API would.
    with anthropic.Anthropic(base_url=bundled.base_url, api_key=TEST_KEY, max_retries=2) as sdk:
        bundled.reset()
        with sdk.messages.stream(**params) as stream:
            streamed = stream.get_final_message()
        bundled.reset()
        plain = sdk.messages.create(**params)
    assert_same_message(streamed, plain)
    answered = [e.step for e in bundled.journal.messages() if e.status == 200]
    assert answered
    assert all(step is not None and step.startswith(f"{name}/") for step in answered)


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_error_scenarios_fail_the_same_way_streamed_or_not(bundled: MockServer, name: str) -> None:
    params = {"model": MODEL, "max_tokens": 1024} | ERROR_CASES[name]
    with anthropic.Anthropic(base_url=bundled.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        bundled.reset()
        with pytest.raises(anthropic.APIStatusError) as streamed, sdk.messages.stream(**params):
            pass
        bundled.reset()
        with pytest.raises(anthropic.APIStatusError) as plain:
            sdk.messages.create(**params)
    assert type(streamed.value) is type(plain.value)
    assert streamed.value.status_code == plain.value.status_code
    assert streamed.value.body == {**plain.value.body, "request_id": streamed.value.request_id}
