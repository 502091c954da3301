"""LangChain's ChatOpenAI (langchain-openai) against the mock's /v1/chat/completions door.

run.py runs this with the pin's venv (compat/.cache/langchain-openai/venv). The model is
made as a user points it at an OpenAI-compatible server: ChatOpenAI(model=...,
base_url=<the mock>/v1, api_key=<dummy>), no retries. Settings and output: see
driverlib.py.
"""

from __future__ import annotations

from typing import Any

from driverlib import DUMMY_KEY, MAX_TOKENS_SET, MOCK_URL, MODEL, Check, Flow, check, run_flows
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel


def chat(**kwargs: Any) -> ChatOpenAI:
    if MAX_TOKENS_SET:
        kwargs.setdefault("max_tokens", MAX_TOKENS_SET)
    return ChatOpenAI(
        model=MODEL, base_url=MOCK_URL + "/v1", api_key=DUMMY_KEY, max_retries=0, **kwargs
    )


def usage_ok(message: AIMessage) -> None:
    usage = message.usage_metadata
    check(usage, "no usage_metadata")
    assert usage is not None
    check(usage["input_tokens"] > 0, f"input_tokens {usage['input_tokens']}")
    check(usage["output_tokens"] > 0, f"output_tokens {usage['output_tokens']}")


CALLS: list[str] = []


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    CALLS.append(city)
    return f"21 C and sunny in {city}"


def flow_invoke() -> None:
    reply = chat().invoke("Say hello in one short sentence.")
    check(isinstance(reply.content, str) and reply.content, f"content {reply.content!r}")
    check(reply.response_metadata.get("finish_reason") == "stop", str(reply.response_metadata))
    usage_ok(reply)


def flow_stream() -> None:
    model = chat(stream_usage=True)
    whole: Any = None
    pieces = 0
    for chunk in model.stream("Tell me a two-sentence story about a lighthouse."):
        whole = chunk if whole is None else whole + chunk
        pieces += 1
    check(whole is not None and whole.content, "no text streamed")
    check(pieces > 2, f"only {pieces} chunk(s)")
    usage_ok(whole)


def flow_tool_loop() -> None:
    CALLS.clear()
    bound = chat().bind_tools([get_weather])
    history: list[BaseMessage] = [HumanMessage("What is the weather in Paris?")]
    for _ in range(5):
        reply = bound.invoke(history)
        history.append(reply)
        if not reply.tool_calls:
            check(CALLS, "the tool was never executed")
            check(reply.content, "the loop did not end in text")
            return
        for call in reply.tool_calls:
            result = get_weather.invoke(call["args"])
            history.append(ToolMessage(result, tool_call_id=call["id"]))
    raise Check("no final answer after 5 model calls")


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def flow_structured_output() -> None:
    person = chat().with_structured_output(Person).invoke("Invent a person.")
    check(isinstance(person, Person), f"got {person!r}")
    assert isinstance(person, Person)
    check(person.name, "no name")


FLOWS: dict[str, Flow] = {
    "invoke": flow_invoke,
    "stream": flow_stream,
    "tool-loop": flow_tool_loop,
    "structured-output": flow_structured_output,
}


if __name__ == "__main__":
    run_flows(FLOWS)
