"""LiteLLM's normal flows with an Anthropic model against a mock server.

run.py runs this with the pin's venv (compat/.cache/litellm/venv). LiteLLM speaks the
Messages API itself (no Anthropic SDK); it is called as a user calls it:
litellm.completion(model="anthropic/<model>", api_base=<the mock>, api_key=<dummy>), in
the OpenAI chat format, with max_tokens left to LiteLLM unless COMPAT_MAX_TOKENS is set,
and no retries. Its cost map is the bundled one (no fetch at import). Settings and
output: see driverlib.py.
"""

from __future__ import annotations

import json
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

import litellm
from driverlib import (
    DUMMY_KEY,
    MAX_TOKENS_SET,
    MOCK_URL,
    MODEL,
    Flow,
    check,
    run_flows,
)
from pydantic import BaseModel

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "the city name"}},
            "required": ["city"],
        },
    },
}


def complete(messages: list[Any], **kwargs: Any) -> Any:
    if MAX_TOKENS_SET:
        kwargs.setdefault("max_tokens", MAX_TOKENS_SET)
    return litellm.completion(
        model=f"anthropic/{MODEL}",
        api_base=MOCK_URL,
        api_key=DUMMY_KEY,
        messages=messages,
        num_retries=0,
        **kwargs,
    )


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def usage_ok(response: Any) -> None:
    usage = response.usage
    check(usage and usage.prompt_tokens > 0, f"usage.prompt_tokens {usage and usage.prompt_tokens}")
    check(usage.completion_tokens > 0, f"usage.completion_tokens {usage.completion_tokens}")


def tool_loop(prompt: str, calls: list[str], limit: int = 5, **kwargs: Any) -> Any:
    """The OpenAI-style loop: call, run the tool calls, send role "tool" messages back."""
    messages: list[Any] = ask(prompt)
    for _ in range(limit):
        response = complete(messages, tools=[WEATHER_TOOL], **kwargs)
        message = response.choices[0].message
        messages.append(message)
        if not message.tool_calls:
            return response
        for call in message.tool_calls:
            city = json.loads(call.function.arguments or "{}").get("city", "")
            calls.append(city)
            result = f"21 C and sunny in {city}"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise AssertionError(f"no final answer after {limit} model calls")


def flow_completion() -> None:
    response = complete(ask("Say hello in one short sentence."))
    choice = response.choices[0]
    check(choice.message.content, "empty content")
    check(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason}")
    usage_ok(response)


def flow_stream() -> None:
    chunks = list(
        complete(
            ask("Tell me a two-sentence story about a lighthouse."),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(streamed, "no text streamed")
    whole = litellm.stream_chunk_builder(chunks)
    check(whole is not None, "stream_chunk_builder gave nothing")
    check(whole.choices[0].message.content == streamed, "the rebuilt message differs")
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    check(finish == ["stop"], f"finish reasons {finish}")
    usage_ok(whole)


def flow_tool_loop() -> None:
    calls: list[str] = []
    response = tool_loop("What is the weather in Paris?", calls)
    check(calls, "the tool was never executed")
    check(response.choices[0].message.content, "the loop did not end in text")
    check(response.choices[0].finish_reason == "stop", response.choices[0].finish_reason)


def flow_stream_tool_call() -> None:
    chunks = list(complete(ask("What is the weather in Oslo?"), tools=[WEATHER_TOOL], stream=True))
    whole = litellm.stream_chunk_builder(chunks)
    check(whole is not None, "stream_chunk_builder gave nothing")
    calls = whole.choices[0].message.tool_calls or []
    check(calls, "no tool call in the streamed reply")
    args = json.loads(calls[0].function.arguments)
    check(isinstance(args.get("city"), str), f"arguments {calls[0].function.arguments}")
    check(whole.choices[0].finish_reason == "tool_calls", whole.choices[0].finish_reason)


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def flow_response_format() -> None:
    response = complete(ask("Invent a person."), response_format=Person)
    content = response.choices[0].message.content
    check(content, "empty content")
    person = Person.model_validate_json(content)
    check(person.name, "no name")


def flow_response_format_json_schema() -> None:
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": Person.model_json_schema(), "strict": True},
    }
    response = complete(ask("Invent a person."), response_format=schema)
    content = response.choices[0].message.content
    check(content, "empty content")
    Person.model_validate_json(content)


THINKING = {"type": "enabled", "budget_tokens": 2048}


def flow_thinking() -> None:
    response = complete(ask("How many prime numbers are there below 20?"), thinking=THINKING)
    message = response.choices[0].message
    check(message.reasoning_content, "no reasoning_content")
    blocks = getattr(message, "thinking_blocks", None) or []
    check(blocks and blocks[0].get("signature"), "no signed thinking_blocks")
    check(message.content, "no text after the thinking")


def flow_reasoning_effort() -> None:
    response = complete(ask("Is 91 prime?"), reasoning_effort="low")
    message = response.choices[0].message
    check(message.reasoning_content, "no reasoning_content")
    check(message.content, "no text after the thinking")


def flow_thinking_tool_loop() -> None:
    # The assistant message (with its thinking_blocks) goes back as LiteLLM returned it.
    calls: list[str] = []
    response = tool_loop("What is the weather in Lima?", calls, thinking=THINKING)
    check(calls, "the tool was never executed")
    check(response.choices[0].message.content, "the loop did not end in text")


FLOWS: dict[str, Flow] = {
    "completion": flow_completion,
    "stream": flow_stream,
    "tool-loop": flow_tool_loop,
    "stream-tool-call": flow_stream_tool_call,
    "response-format": flow_response_format,
    "response-format-schema": flow_response_format_json_schema,
    "thinking": flow_thinking,
    "reasoning-effort": flow_reasoning_effort,
    "thinking-tool-loop": flow_thinking_tool_loop,
}


if __name__ == "__main__":
    run_flows(FLOWS)
