"""The OpenAI Python SDK's normal flows against the mock's /v1/chat/completions door.

run.py runs this with the pin's venv (compat/.cache/openai-sdk/venv). The client is made as
a user points it at an OpenAI-compatible server: OpenAI(base_url=<the mock>/v1,
api_key=<dummy>), no retries unless a flow is about them. max_tokens is left unset (the
door's default applies) unless COMPAT_MAX_TOKENS is set. Settings and output: see
driverlib.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

import openai
from driverlib import (
    DUMMY_KEY,
    MAX_TOKENS_SET,
    MOCK_URL,
    MODEL,
    Check,
    Flow,
    check,
    expect_status,
    inject_fault,
    journal_count,
    run_flows,
    statuses_since,
)
from pydantic import BaseModel

client = openai.OpenAI(base_url=MOCK_URL + "/v1", api_key=DUMMY_KEY, max_retries=0)

WEATHER_TOOL: Any = {
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


def create(messages: list[Any], **kwargs: Any) -> Any:
    if MAX_TOKENS_SET:
        kwargs.setdefault("max_completion_tokens", MAX_TOKENS_SET)
    return client.chat.completions.create(model=MODEL, messages=messages, **kwargs)


def ask(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def usage_ok(usage: Any) -> None:
    check(usage is not None, "no usage")
    check(usage.prompt_tokens > 0, f"prompt_tokens {usage.prompt_tokens}")
    check(usage.completion_tokens > 0, f"completion_tokens {usage.completion_tokens}")
    total = usage.prompt_tokens + usage.completion_tokens
    check(usage.total_tokens == total, f"total_tokens {usage.total_tokens} != {total}")


def flow_create() -> None:
    done = create(
        [{"role": "system", "content": "Be brief."}, *ask("Say hello in one short sentence.")]
    )
    choice = done.choices[0]
    check(choice.message.role == "assistant", f"role {choice.message.role}")
    check(choice.message.content, "empty content")
    check(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason}")
    check(done.model == MODEL, f"model {done.model}")
    usage_ok(done.usage)


def flow_stream_usage() -> None:
    chunks = list(
        create(
            ask("Tell me a two-sentence story about a lighthouse."),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text, "no text streamed")
    check(chunks[0].choices[0].delta.role == "assistant", "the first chunk names no role")
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    check(finish == ["stop"], f"finish reasons {finish}")
    check(chunks[-1].choices == [], "the usage chunk has choices")
    usage_ok(chunks[-1].usage)
    # The stream helper accumulates the same text.
    with client.chat.completions.stream(model=MODEL, messages=ask("Say hi.")) as stream:
        final = stream.get_final_completion()
    check(final.choices[0].message.content, "the stream helper's completion has no text")


def flow_tool_loop() -> None:
    messages: list[Any] = ask("What is the weather in Paris?")
    calls: list[str] = []
    for _ in range(5):
        done = create(messages, tools=[WEATHER_TOOL])
        message = done.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            check(calls, "the tool was never executed")
            check(message.content, "the loop did not end in text")
            check(done.choices[0].finish_reason == "stop", done.choices[0].finish_reason)
            return
        check(done.choices[0].finish_reason == "tool_calls", done.choices[0].finish_reason)
        for call in message.tool_calls:
            city = json.loads(call.function.arguments).get("city", "")
            calls.append(city)
            result = f"21 C and sunny in {city}"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise Check("no final answer after 5 model calls")


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def flow_parse() -> None:
    done = client.chat.completions.parse(
        model=MODEL, messages=ask("Invent a person."), response_format=Person
    )
    person = done.choices[0].message.parsed
    check(isinstance(person, Person), f"parsed {person!r}")
    assert person is not None
    check(person.name, "no name")


def flow_retry_429() -> None:
    expect_status(429)
    first = journal_count()
    inject_fault({"kind": "error", "status": 429, "times": 1, "headers": {"retry-after-ms": "10"}})
    started = time.monotonic()
    done = client.with_options(max_retries=2).chat.completions.create(
        model=MODEL, messages=ask("Say hello.")
    )
    waited = time.monotonic() - started
    check(done.choices[0].message.content, "no text after the retry")
    seen = statuses_since(first)
    check(seen == [429, 200], f"the journal shows {seen}, expected [429, 200]")
    check(waited < 5, f"the retry took {waited:.1f} s (retry-after-ms was 10)")


def flow_stream_error() -> None:
    """An error mid-stream (injected through the fault API): the SDK raises APIError with
    the error's message after the chunks before it, and does not retry it."""
    inject_fault(
        {
            "kind": "stream",
            "times": 1,
            "stream": {"kind": "error", "after_events": 2, "error_type": "overloaded_error"},
        }
    )
    got: list[Any] = []
    try:
        got.extend(create(ask("Tell me a story."), stream=True))
    except openai.APIError as error:
        check(not isinstance(error, openai.APIStatusError), f"{type(error).__name__}")
        check(error.message == "Overloaded", f"message {error.message!r}")
        body = error.body if isinstance(error.body, dict) else {}
        check(body.get("type") == "overloaded_error", f"body {error.body!r}")
        check(len(got) == 2, f"{len(got)} chunk(s) before the error, expected 2")
        return
    raise Check("the stream ended without the injected error")


def flow_error_400() -> None:
    expect_status(400)
    try:
        create([])
    except openai.BadRequestError as error:
        body = error.body if isinstance(error.body, dict) else {}
        message = str(body.get("message") or "")
        check(message, f"no message in the error body: {error.body!r}")
        check(message in str(error), f"the exception's message {str(error)!r} lacks {message!r}")
        check(error.status_code == 400, f"status {error.status_code}")
        check(error.request_id or error.response.headers.get("request-id"), "no request id")
        return
    raise Check("an empty messages list was accepted")


FLOWS: dict[str, Flow] = {
    "create": flow_create,
    "stream-usage": flow_stream_usage,
    "tool-loop": flow_tool_loop,
    "parse": flow_parse,
    "retry-429": flow_retry_429,
    "stream-error": flow_stream_error,
    "error-400": flow_error_400,
}


if __name__ == "__main__":
    run_flows(FLOWS)
