"""LiteLLM's `openai/` route against the mock's /v1/chat/completions door.

run.py runs this with the pin's venv (compat/.cache/litellm-openai/venv). A user points
LiteLLM at any OpenAI-compatible server so: litellm.completion(model="openai/<model>",
api_base=<the mock>/v1, api_key=<dummy>); LiteLLM then calls the OpenAI SDK. No retries;
the bundled cost map (no fetch at import). Settings and output: see driverlib.py.
"""

from __future__ import annotations

import json
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

import litellm
from driverlib import DUMMY_KEY, MAX_TOKENS_SET, MOCK_URL, MODEL, Check, Flow, check, run_flows

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
        model=f"openai/{MODEL}",
        api_base=MOCK_URL + "/v1",
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
    check(whole.choices[0].finish_reason == "stop", whole.choices[0].finish_reason)
    usage_ok(whole)


def flow_tool_call() -> None:
    messages: list[Any] = ask("What is the weather in Paris?")
    calls: list[str] = []
    for _ in range(5):
        response = complete(messages, tools=[WEATHER_TOOL])
        message = response.choices[0].message
        messages.append(message)
        if not message.tool_calls:
            check(calls, "the tool was never executed")
            check(message.content, "the loop did not end in text")
            return
        for call in message.tool_calls:
            city = json.loads(call.function.arguments or "{}").get("city", "")
            calls.append(city)
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": f"21 C and sunny in {city}"}
            )
    raise Check("no final answer after 5 model calls")


def flow_stream_tool_call() -> None:
    chunks = list(complete(ask("What is the weather in Oslo?"), tools=[WEATHER_TOOL], stream=True))
    whole = litellm.stream_chunk_builder(chunks)
    check(whole is not None, "stream_chunk_builder gave nothing")
    calls = whole.choices[0].message.tool_calls or []
    check(calls, "no tool call in the streamed reply")
    args = json.loads(calls[0].function.arguments)
    check(isinstance(args.get("city"), str), f"arguments {calls[0].function.arguments}")
    check(whole.choices[0].finish_reason == "tool_calls", whole.choices[0].finish_reason)


FLOWS: dict[str, Flow] = {
    "completion": flow_completion,
    "stream": flow_stream,
    "tool-call": flow_tool_call,
    "stream-tool-call": flow_stream_tool_call,
}


if __name__ == "__main__":
    run_flows(FLOWS)
