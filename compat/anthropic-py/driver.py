"""The official Python SDK's (`anthropic`) normal flows against a mock server.

run.py runs this with one pin's venv (compat/.cache/anthropic-py/vX/venv), so the same
file drives every pinned version; a flow whose helper a version lacks is reported as
skipped. The client is made as a user makes it, with base_url (the mock) and a dummy key;
no retries except in the retry flows, so a refused request fails at once and the request
counts stay honest. Settings and output: see driverlib.py.
"""

from __future__ import annotations

import time
from typing import Any

import anthropic
from driverlib import (
    DUMMY_KEY,
    MOCK_URL,
    MODEL,
    Check,
    Flow,
    Skip,
    check,
    expect_status,
    inject_fault,
    journal_count,
    journal_since,
    max_tokens,
    run_flows,
    statuses_since,
)
from pydantic import BaseModel

client = anthropic.Anthropic(base_url=MOCK_URL, api_key=DUMMY_KEY, max_retries=0)
aclient = anthropic.AsyncAnthropic(base_url=MOCK_URL, api_key=DUMMY_KEY, max_retries=0)


def ask(text: str) -> Any:
    # Any: the messages param's TypedDicts differ between the pinned versions.
    return [{"role": "user", "content": text}]


def text_of(message: Any) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def usage_ok(usage: Any) -> None:
    check(usage.input_tokens > 0, f"usage.input_tokens is {usage.input_tokens}")
    check(usage.output_tokens > 0, f"usage.output_tokens is {usage.output_tokens}")


def flow_create() -> None:
    message = client.messages.create(
        model=MODEL, max_tokens=max_tokens(), messages=ask("Say hello in one short sentence.")
    )
    check(message.id.startswith("msg_"), f"id {message.id!r}")
    check(message.role == "assistant", f"role {message.role}")
    check(text_of(message), "no text in the reply")
    check(message.stop_reason == "end_turn", f"stop_reason {message.stop_reason}")
    usage_ok(message.usage)


def flow_stream_helper() -> None:
    prompt = ask("Tell me a two-sentence story about a lighthouse.")
    with client.messages.stream(model=MODEL, max_tokens=max_tokens(), messages=prompt) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    check(streamed, "text_stream gave no text")
    check(streamed == text_of(final), f"streamed {len(streamed)} chars != final message's")
    check(final.stop_reason == "end_turn", f"stop_reason {final.stop_reason}")
    usage_ok(final.usage)


def flow_raw_stream() -> None:
    events = client.messages.create(
        model=MODEL, max_tokens=max_tokens(), messages=ask("Count to five."), stream=True
    )
    kinds: list[str] = []
    text = ""
    output_tokens = 0
    event: Any
    for event in events:
        kinds.append(event.type)
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            text += event.delta.text
        elif event.type == "message_delta":
            output_tokens = event.usage.output_tokens
    check(kinds[:1] == ["message_start"], f"first event {kinds[:1]}")
    check(kinds[-1:] == ["message_stop"], f"last event {kinds[-1:]}")
    for kind in ("content_block_start", "content_block_delta", "content_block_stop"):
        check(kind in kinds, f"no {kind} event")
    check(text, "no text_delta")
    check(output_tokens > 0, f"message_delta usage.output_tokens {output_tokens}")


def _runner_or_skip(owner: Any) -> Any:
    if not hasattr(owner.beta.messages, "tool_runner") or not hasattr(anthropic, "beta_tool"):
        raise Skip(f"no beta.messages.tool_runner in anthropic {anthropic.__version__}")
    return owner.beta.messages.tool_runner


def flow_tool_runner() -> None:
    runner_of = _runner_or_skip(client)
    calls: list[str] = []

    @anthropic.beta_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"21 C and sunny in {city}"

    runner = runner_of(
        model=MODEL,
        max_tokens=max_tokens(),
        tools=[get_weather],
        messages=ask("What is the weather in Paris?"),
        max_iterations=5,
    )
    messages = list(runner)
    check(calls, "the tool was never executed")
    check(len(messages) >= 2, f"{len(messages)} message(s)")
    final = messages[-1]
    check(final.stop_reason == "end_turn", f"loop ended with stop_reason {final.stop_reason}")
    check(text_of(final), "the loop did not end in text")


async def flow_tool_runner_async() -> None:
    runner_of = _runner_or_skip(aclient)
    if not hasattr(anthropic, "beta_async_tool"):
        raise Skip(f"no beta_async_tool in anthropic {anthropic.__version__}")
    calls: list[str] = []

    @anthropic.beta_async_tool
    async def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"21 C and sunny in {city}"

    runner = runner_of(
        model=MODEL,
        max_tokens=max_tokens(),
        tools=[get_weather],
        messages=ask("What is the weather in Oslo?"),
        max_iterations=5,
    )
    final = await runner.until_done()
    check(calls, "the tool was never executed")
    check(final.stop_reason == "end_turn", f"loop ended with stop_reason {final.stop_reason}")
    check(text_of(final), "the loop did not end in text")


def flow_tool_runner_stream() -> None:
    runner_of = _runner_or_skip(client)
    calls: list[str] = []

    @anthropic.beta_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"21 C and sunny in {city}"

    runner = runner_of(
        model=MODEL,
        max_tokens=max_tokens(),
        tools=[get_weather],
        messages=ask("What is the weather in Lima?"),
        max_iterations=5,
        stream=True,
    )
    finals = []
    deltas = 0
    for stream in runner:
        for event in stream:
            deltas += event.type == "content_block_delta"
        finals.append(stream.get_final_message())
    check(calls, "the tool was never executed")
    check(len(finals) >= 2, f"{len(finals)} streamed message(s)")
    check(deltas > 0, "no content_block_delta event")
    check(finals[-1].stop_reason == "end_turn", f"stop_reason {finals[-1].stop_reason}")
    check(text_of(finals[-1]), "the loop did not end in text")


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]


def flow_parse() -> None:
    if not hasattr(client.messages, "parse"):
        raise Skip(f"no messages.parse in anthropic {anthropic.__version__}")
    parsed = client.messages.parse(
        model=MODEL, max_tokens=max_tokens(), messages=ask("Invent a person."), output_format=Person
    )
    output = parsed.parsed_output
    check(isinstance(output, Person), f"parsed_output is {type(output).__name__}")


def flow_count_tokens() -> None:
    counted = client.messages.count_tokens(
        model=MODEL,
        messages=ask("How many tokens is this?"),
        system="You are terse.",
        tools=[{"name": "noop", "description": "Nothing.", "input_schema": {"type": "object"}}],
    )
    check(counted.input_tokens > 0, f"input_tokens {counted.input_tokens}")


def flow_models_list() -> None:
    first = journal_count()
    page = client.models.list(limit=2)
    pages = [page.data]
    while page.has_next_page():
        page = page.get_next_page()
        pages.append(page.data)
    ids = [m.id for data in pages for m in data]
    check(all(len(data) <= 2 for data in pages), f"page sizes {[len(d) for d in pages]}")
    check(len(pages) >= 2, f"{len(pages)} page(s) for {len(ids)} model(s)")
    check(len(ids) == len(set(ids)), "a model appears on two pages")
    check(MODEL in ids, f"{MODEL} not listed")
    check(statuses_since(first).count(200) == len(pages), "one request per page expected")
    # Auto-pagination, as most code reads it.
    auto = [m.id for m in client.models.list(limit=2)]
    check(auto == ids, f"auto-pagination listed {len(auto)} model(s), pages {len(ids)}")
    one = client.models.retrieve(MODEL)
    check(one.id == MODEL and one.display_name, f"retrieve gave {one.id!r}")


def _retry(status: int) -> None:
    expect_status(status)
    first = journal_count()
    inject_fault(
        {"kind": "error", "status": status, "times": 1, "headers": {"retry-after-ms": "10"}}
    )
    retrying = client.with_options(max_retries=2)
    started = time.monotonic()
    message = retrying.messages.create(
        model=MODEL, max_tokens=max_tokens(), messages=ask("Say hello.")
    )
    waited = time.monotonic() - started
    check(text_of(message), "no text after the retry")
    seen = statuses_since(first)
    check(seen == [status, 200], f"the journal shows {seen}, expected [{status}, 200]")
    check(waited < 5, f"the retry took {waited:.1f} s (retry-after-ms was 10)")


def flow_retry_429() -> None:
    _retry(429)


def flow_retry_529() -> None:
    _retry(529)


def flow_error_400() -> None:
    expect_status(400)
    try:
        client.messages.create(model=MODEL, max_tokens=max_tokens(), messages=[])
    except anthropic.BadRequestError as error:
        body = error.body if isinstance(error.body, dict) else {}
        api = str((body.get("error") or {}).get("message") or "")
        check(api, f"no error.message in the body: {error.body!r}")
        check(api in str(error), f"the exception's message {str(error)!r} lacks {api!r}")
        check(error.status_code == 400, f"status {error.status_code}")
        request_id = getattr(error, "request_id", None)  # not on every version's errors
        check(request_id or error.response.headers.get("request-id"), "no request id")
        return
    raise Check("an empty messages list was accepted")


def flow_error_404() -> None:
    expect_status(404)
    try:
        client.messages.create(
            model="claude-nonexistent-0", max_tokens=max_tokens(), messages=ask("Hi.")
        )
    except anthropic.NotFoundError as error:
        check("claude-nonexistent-0" in str(error), f"message {str(error)!r}")
        return
    raise Check("an unknown model was accepted")


def flow_threads() -> None:
    messages = client.beta.messages
    if not hasattr(messages, "thread"):
        raise Skip(f"no beta.messages.thread in anthropic {anthropic.__version__}")
    first = journal_count()
    thread = messages.thread(model=MODEL, max_tokens=max_tokens())
    one = thread.send({"role": "user", "content": "Remember the word teal."})
    two = thread.send({"role": "user", "content": "Which word did I ask you to remember?"})
    check(text_of(one) and text_of(two), "a turn of the thread came back without text")
    sent = [e.get("body") or {} for e in journal_since(first)]
    check(statuses_since(first) == [200, 200], f"the journal shows {statuses_since(first)}")
    # The server holds the conversation: the second turn sends only its new message.
    check(sent[0].get("thread", {}).get("type") == "create", f"first turn {sent[0].get('thread')}")
    second = sent[1].get("thread") or {}
    check(second.get("type") == "continue", f"second turn's thread {second}")
    check(len(sent[1].get("messages") or []) == 1, "the second turn resent the history")


FLOWS: dict[str, Flow] = {
    "create": flow_create,
    "stream-helper": flow_stream_helper,
    "raw-stream": flow_raw_stream,
    "tool-runner": flow_tool_runner,
    "tool-runner-async": flow_tool_runner_async,
    "tool-runner-stream": flow_tool_runner_stream,
    "parse": flow_parse,
    "threads": flow_threads,
    "count-tokens": flow_count_tokens,
    "models-list": flow_models_list,
    "retry-429": flow_retry_429,
    "retry-529": flow_retry_529,
    "error-400": flow_error_400,
    "error-404": flow_error_404,
}


if __name__ == "__main__":
    run_flows(FLOWS)
