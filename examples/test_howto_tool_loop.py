"""How to test a tool loop: script the model's tool call, then its answer.

Each `reply_*` call adds the next ordered step of the test's own scenario. Match keys
(the same as in YAML) say which request a step answers; a step left unused, or a request
no step matched, fails the test at teardown with the closest steps and why.
"""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import MessageParam, ToolParam

from mockserver.server import MockServer

WEATHER_TOOL: ToolParam = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def get_weather(city: str) -> str:
    return f"18°C and cloudy in {city}"


def run_agent(question: str) -> str:
    """Code under test: call tools until the model answers."""
    client = anthropic.Anthropic()
    messages: list[MessageParam] = [{"role": "user", "content": question}]
    while True:
        reply = client.messages.create(
            model="claude-sonnet-4-6", max_tokens=500, tools=[WEATHER_TOOL], messages=messages
        )
        if reply.stop_reason != "tool_use":
            return "".join(b.text for b in reply.content if b.type == "text")
        messages.append({"role": "assistant", "content": reply.content})
        results: list[Any] = [
            {
                "type": "tool_result",
                "tool_use_id": b.id,
                "content": get_weather(str(b.input["city"])),
            }
            for b in reply.content
            if b.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})


def test_the_agent_calls_the_tool_and_answers_from_its_result(mockserver: MockServer) -> None:
    mockserver.reply_tool_use(
        "get_weather", {"city": "Paris"}, text="Let me check.", tools="get_weather"
    )
    # `{{ tool_result }}` is filled in from the result the client sent back.
    mockserver.reply_text("In Paris: {{ tool_result }}.", tool_result="get_weather")

    answer = run_agent("What's the weather in Paris?")

    assert answer == "In Paris: 18°C and cloudy in Paris."
    assert mockserver.journal.call_count == 2
    (result,) = mockserver.journal.tool_results()
    assert result["content"] == "18°C and cloudy in Paris"
    # The tool_use id the client echoed is the one the server minted.
    first_reply = mockserver.journal.messages()[0].tool_uses[0]
    assert result["tool_use_id"] == first_reply["id"]
