"""pydantic-ai's normal flows against a mock server, through its Anthropic model.

run.py runs this with the harness's pydantic-ai venv (compat/.cache/pydantic-ai/venv). It
configures the client as a user does, by environment: ANTHROPIC_BASE_URL (the mock) and
ANTHROPIC_API_KEY (a dummy), and the model as the string 'anthropic:<model>'. Settings
and output: see driverlib.py (COMPAT_MAX_TOKENS unset: pydantic-ai picks max_tokens).
"""

from __future__ import annotations

import os
import time
from typing import Any

from driverlib import (
    DUMMY_KEY,
    MAX_TOKENS_SET,
    MOCK_URL,
    Flow,
    check,
    run_flows,
)
from driverlib import MODEL as BASE_MODEL
from pydantic import BaseModel
from pydantic_ai import Agent, AgentRunResultEvent, NativeOutput
from pydantic_ai.messages import FunctionToolResultEvent, ThinkingPart, ToolReturnPart

MODEL = "anthropic:" + BASE_MODEL
os.environ["ANTHROPIC_BASE_URL"] = MOCK_URL
os.environ.setdefault("ANTHROPIC_API_KEY", DUMMY_KEY)


def make_agent(output_type: Any = str, **kwargs: Any) -> Agent[None, Any]:
    """An Agent on the model, with COMPAT_MAX_TOKENS (if set) added to its settings."""
    settings = dict(kwargs.pop("model_settings", None) or {})
    if MAX_TOKENS_SET:
        settings["max_tokens"] = MAX_TOKENS_SET
    return Agent(MODEL, output_type=output_type, model_settings=settings or None, **kwargs)


def usage_of(result: Any) -> Any:
    # A property in 2.x (a method before); the property's value warns when called.
    usage = result.usage
    return usage if hasattr(usage, "input_tokens") else usage()


def usage_ok(usage: Any) -> None:
    check(usage.input_tokens > 0, f"usage.input_tokens is {usage.input_tokens}")
    check(usage.output_tokens > 0, f"usage.output_tokens is {usage.output_tokens}")


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def weather_agent(calls: list[str], **kwargs: Any) -> Agent[None, str]:
    agent: Agent[None, str] = make_agent(**kwargs)

    @agent.tool_plain
    def get_weather(city: str) -> dict[str, Any]:
        """Get the current weather for a city."""
        calls.append(city)
        return {"city": city, "temperature_c": 21, "conditions": "sunny"}

    return agent


def tool_returns(result: Any) -> int:
    return sum(
        isinstance(part, ToolReturnPart)
        for message in result.all_messages()
        for part in getattr(message, "parts", [])
    )


def thinking_parts(result: Any) -> list[ThinkingPart]:
    return [
        part
        for message in result.all_messages()
        for part in getattr(message, "parts", [])
        if isinstance(part, ThinkingPart)
    ]


async def flow_run() -> None:
    result = await make_agent().run("Say hello in one short sentence.")
    check(isinstance(result.output, str) and result.output, "empty output")
    usage_ok(usage_of(result))


async def flow_run_stream() -> None:
    agent = make_agent()
    async with agent.run_stream("Tell me a two-sentence story about a lighthouse.") as result:
        streamed = "".join([delta async for delta in result.stream_text(delta=True)])
        final = await result.get_output()
    check(final, "empty output")
    check(streamed == final, f"streamed text ({len(streamed)} chars) != output ({len(final)})")
    usage_ok(usage_of(result))


async def flow_tool_loop() -> None:
    calls: list[str] = []
    result = await weather_agent(calls).run("What is the weather in Paris?")
    check(calls, "the tool was never executed")
    check(tool_returns(result) >= 1, "no tool return in the history")
    check(isinstance(result.output, str) and result.output, "the loop did not end in text")
    usage = usage_of(result)
    check(usage.requests >= 2, f"{usage.requests} request(s)")
    usage_ok(usage)


async def flow_stream_tool_loop() -> None:
    # run_stream() ends at the first text, which a reply that says "I'll look that up"
    # before its tool call is; a streamed tool loop is run_stream_events().
    calls: list[str] = []
    agent = weather_agent(calls)
    output: Any = None
    tool_results = 0
    async with agent.run_stream_events("What is the weather in Oslo?") as events:
        async for event in events:
            if isinstance(event, FunctionToolResultEvent):
                tool_results += 1
            elif isinstance(event, AgentRunResultEvent):
                output = event.result.output
    check(calls, "the tool was never executed")
    check(tool_results >= 1, "no tool result event")
    check(isinstance(output, str) and output, "the loop did not end in text")


async def flow_structured_output() -> None:
    # The default output mode: a tool the model must call with the object.
    result = await make_agent(Person).run("Invent a person.")
    check(isinstance(result.output, Person), f"output is {type(result.output).__name__}")
    usage_ok(usage_of(result))


async def flow_native_output() -> None:
    # The API's own structured output (output_config.format with a JSON schema).
    result = await make_agent(NativeOutput(Person)).run("Invent a person.")
    check(isinstance(result.output, Person), f"output is {type(result.output).__name__}")
    usage_ok(usage_of(result))


THINKING = {"anthropic_thinking": {"type": "enabled", "budget_tokens": 2048}}


async def flow_thinking() -> None:
    agent = make_agent(model_settings=THINKING)
    result = await agent.run("How many prime numbers are there below 20?")
    check(result.output, "empty output")
    parts = thinking_parts(result)
    check(parts and parts[0].content, "no thinking in the history")
    check(parts[0].signature, "the thinking part has no signature")


async def flow_thinking_tool_loop() -> None:
    # The signed thinking block must go back with the tool result.
    calls: list[str] = []
    agent = weather_agent(calls, model_settings=THINKING)
    result = await agent.run("What is the weather in Lima?")
    check(calls, "the tool was never executed")
    check(result.output, "the loop did not end in text")
    check(thinking_parts(result), "no thinking in the history")


async def flow_cache() -> None:
    instructions = f"Run {time.time()}. " + " ".join(
        f"Rule {i}: log the lamp, the weather and the ships." for i in range(700)
    )
    settings = {"anthropic_cache_instructions": True}
    agent = make_agent(instructions=instructions, model_settings=settings)
    first = usage_of(await agent.run("What should I log tonight?"))
    second = usage_of(await agent.run("What should I log tonight?"))
    check(first.cache_write_tokens > 0, f"first run wrote {first.cache_write_tokens} cache tokens")
    check(second.cache_read_tokens > 0, f"second run read {second.cache_read_tokens} cache tokens")


FLOWS: dict[str, Flow] = {
    "run": flow_run,
    "run-stream": flow_run_stream,
    "tool-loop": flow_tool_loop,
    "stream-tool-loop": flow_stream_tool_loop,
    "structured-output": flow_structured_output,
    "native-output": flow_native_output,
    "thinking": flow_thinking,
    "thinking-tool-loop": flow_thinking_tool_loop,
    "cache-instructions": flow_cache,
}


if __name__ == "__main__":
    run_flows(FLOWS)
