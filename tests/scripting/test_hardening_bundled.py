"""The bundled scenarios never answer a request the API would answer with a 500 (issue 15):
each scenario's own request, sent in every variant a client may add (a forced or refused
tool_choice, thinking, a JSON output format, streaming), gets no scenario error."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers

from mockserver.config import Config
from mockserver.server import MockServer

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()
LOOKUP = {"name": "lookup", "description": "Look a word up.", "input_schema": {"type": "object"}}
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
SEARCH = {"type": "web_search_20250305", "name": "web_search"}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def weather_answer() -> list[dict[str, Any]]:
    call = {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": "Sunny, 21°C"}
    return [
        *user("What's the weather like in Paris today?"),
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result]},
    ]


# Each bundled scenario's requests: the fields that make them match.
REQUESTS: dict[str, dict[str, Any]] = {
    "caching": {
        "system": "You answer questions about the Lighthouse Keeper's Manual below. ...",
        "messages": user("How often is the lens cleaned?"),
    },
    "effort": {"messages": user("Explain recursion."), "output_config": {"effort": "low"}},
    "hello": {"messages": user("Hello, Claude!")},
    "image": {
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    },
                    {"type": "text", "text": "Describe this image"},
                ],
            }
        ]
    },
    "max_tokens": {"messages": user("demo: max tokens")},
    "overloaded": {"messages": user("demo: overloaded")},
    "rate_limit": {"messages": user("demo: rate limit")},
    "refusal": {"messages": user("demo: refusal")},
    "stop_sequence": {"messages": user("demo: stop sequence"), "stop_sequences": ["###"]},
    "story": {"messages": user("Tell me a story")},
    "thinking": {
        "messages": user("Are there an infinite number of prime numbers such that n mod 4 == 3?"),
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    },
    "translator": {
        "system": "You are a professional translator.",
        "messages": user("Hello, how are you today?"),
    },
    "weather_call": {
        "messages": user("What's the weather like in Paris today?"),
        "tools": [WEATHER],
    },
    "weather_answer": {"messages": weather_answer(), "tools": [WEATHER]},
    "web_search": {"messages": user("What is new in TypeScript 5.5?"), "tools": [SEARCH]},
}
JSON_FORMAT = {
    "type": "json_schema",
    "schema": {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    },
}
VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "tool_choice_any": {"tool_choice": {"type": "any"}},
    "tool_choice_tool": {"tool_choice": {"type": "tool", "name": "lookup"}},
    "tool_choice_none": {"tool_choice": {"type": "none"}},
    "thinking": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
    "json_output": {"output_config": {"format": JSON_FORMAT}},
    "stream": {"stream": True},
}
# Scripted answers: the scenario means them, the API sends them too.
SCRIPTED = {429: "rate_limit_error", 529: "overloaded_error"}


@pytest.fixture(scope="module")
def bundled() -> Iterator[MockServer]:
    with MockServer(Config(port=0, bundled_scenarios=True)) as server:
        yield server


def request(case: str, variant: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "max_tokens": 4096, **REQUESTS[case]}
    extra = VARIANTS[variant]
    if "tool_choice" in extra:
        body["tools"] = [*body.get("tools", []), LOOKUP]
    if "output_config" in extra:
        body["output_config"] = {**body.get("output_config", {}), **extra["output_config"]}
    return body | {k: v for k, v in extra.items() if k != "output_config"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_no_bundled_scenario_answers_a_valid_request_with_a_server_error(
    bundled: MockServer, case: str, variant: str
) -> None:
    bundled.reset()
    with httpx2.Client(base_url=bundled.base_url, timeout=30) as http:
        reply = http.post("/v1/messages", json=request(case, variant), headers=api_headers())
        text = reply.text
    assert bundled.journal.last is not None
    assert bundled.journal.last.scenario_error is None, bundled.journal.last.scenario_error
    if reply.status_code >= 500 and reply.status_code != 529:
        pytest.fail(f"{reply.status_code}: {text}")
    if reply.status_code in SCRIPTED:
        assert reply.json()["error"]["type"] == SCRIPTED[reply.status_code]
    assert '"api_error"' not in text
