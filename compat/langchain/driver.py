"""LangChain's ChatAnthropic (langchain-anthropic) in its normal flows against a mock server.

run.py runs this with the pin's venv (compat/.cache/langchain/venv). The model is made as
a user makes it: ChatAnthropic(model=..., base_url=<the mock>, api_key=<dummy>), with
max_tokens left to langchain-anthropic (it takes the model profile's output limit) unless
COMPAT_MAX_TOKENS is set, and no retries, so a refused request fails at once. Settings and
output: see driverlib.py.
"""

from __future__ import annotations

from typing import Any

from driverlib import DUMMY_KEY, MAX_TOKENS_SET, MOCK_URL, MODEL, Flow, check, run_flows
from langchain_anthropic import ChatAnthropic
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel


def chat(**kwargs: Any) -> ChatAnthropic:
    if MAX_TOKENS_SET:
        kwargs.setdefault("max_tokens", MAX_TOKENS_SET)
    return ChatAnthropic(model=MODEL, base_url=MOCK_URL, api_key=DUMMY_KEY, max_retries=0, **kwargs)


def text_of(message: BaseMessage) -> str:
    # A property in langchain-core 1.x, a method before.
    text = message.text
    return text if isinstance(text, str) else text()


def usage_ok(message: AIMessage) -> None:
    usage = message.usage_metadata
    check(usage, "no usage_metadata")
    assert usage is not None
    check(usage["input_tokens"] > 0, f"input_tokens {usage['input_tokens']}")
    check(usage["output_tokens"] > 0, f"output_tokens {usage['output_tokens']}")


def thinking_blocks(message: BaseMessage) -> list[dict[str, Any]]:
    content = message.content if isinstance(message.content, list) else []
    return [b for b in content if isinstance(b, dict) and b.get("type") == "thinking"]


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    CALLS.append(city)
    return f"21 C and sunny in {city}"


CALLS: list[str] = []


def tool_loop(model: Any, prompt: str, limit: int = 5) -> tuple[AIMessage, list[BaseMessage]]:
    """The loop a user writes around bind_tools: call, run the tools, send the results."""
    bound = model.bind_tools([get_weather])
    history: list[BaseMessage] = [HumanMessage(prompt)]
    for _ in range(limit):
        reply: AIMessage = bound.invoke(history)
        history.append(reply)
        if not reply.tool_calls:
            return reply, history
        for call in reply.tool_calls:
            history.append(get_weather.invoke(call))
    raise AssertionError(f"no final answer after {limit} model calls")


def flow_invoke() -> None:
    reply = chat().invoke("Say hello in one short sentence.")
    check(isinstance(reply, AIMessage), f"reply is {type(reply).__name__}")
    check(text_of(reply), "empty text")
    check(reply.response_metadata.get("stop_reason") == "end_turn", "stop_reason not end_turn")
    usage_ok(reply)


def flow_stream() -> None:
    chunks = list(chat().stream("Tell me a two-sentence story about a lighthouse."))
    check(len(chunks) > 1, f"{len(chunks)} chunk(s)")
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    streamed = "".join(text_of(c) for c in chunks)
    check(streamed, "no text streamed")
    check(text_of(whole) == streamed, "the summed chunks' text differs from the deltas")
    usage_ok(whole)


def flow_tool_loop() -> None:
    CALLS.clear()
    final, history = tool_loop(chat(), "What is the weather in Paris?")
    check(CALLS, "the tool was never executed")
    check(text_of(final), "the loop did not end in text")
    check(len(history) >= 4, f"{len(history)} messages in the history")


def flow_stream_tool_calls() -> None:
    # Streamed tool calls: the summed chunks carry the parsed call.
    bound = chat().bind_tools([get_weather])
    chunks = list(bound.stream("What is the weather in Oslo?"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    calls = getattr(whole, "tool_calls", [])
    check(calls, "no tool call in the streamed reply")
    check(calls[0]["name"] == "get_weather", f"tool {calls[0]['name']}")
    check(isinstance(calls[0]["args"].get("city"), str), f"args {calls[0]['args']}")


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def flow_structured_output() -> None:
    # The default method: a forced tool call.
    person = chat().with_structured_output(Person).invoke("Invent a person.")
    check(isinstance(person, Person), f"output is {type(person).__name__}")


def flow_structured_output_json_schema() -> None:
    # The API's own structured output (output_config.format).
    model = chat().with_structured_output(Person, method="json_schema")
    person = model.invoke("Invent a person.")
    check(isinstance(person, Person), f"output is {type(person).__name__}")


THINKING = {"type": "enabled", "budget_tokens": 2048}


def flow_thinking() -> None:
    reply = chat(thinking=THINKING).invoke("How many prime numbers are there below 20?")
    blocks = thinking_blocks(reply)
    check(blocks and blocks[0].get("thinking"), "no thinking block")
    check(blocks[0].get("signature"), "the thinking block has no signature")
    check(text_of(reply), "no text after the thinking")


def flow_thinking_tool_loop() -> None:
    # The signed thinking block goes back with the tool result.
    CALLS.clear()
    final, history = tool_loop(chat(thinking=THINKING), "What is the weather in Lima?")
    check(CALLS, "the tool was never executed")
    check(text_of(final), "the loop did not end in text")
    check(any(thinking_blocks(m) for m in history), "no thinking in the history")


FLOWS: dict[str, Flow] = {
    "invoke": flow_invoke,
    "stream": flow_stream,
    "tool-loop": flow_tool_loop,
    "stream-tool-calls": flow_stream_tool_calls,
    "structured-output": flow_structured_output,
    "structured-json-schema": flow_structured_output_json_schema,
    "thinking": flow_thinking,
    "thinking-tool-loop": flow_thinking_tool_loop,
}


if __name__ == "__main__":
    run_flows(FLOWS)
