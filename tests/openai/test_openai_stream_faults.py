"""Chat-completions streams paced and faulted as /v1/messages streams are, read with the
OpenAI SDK as its users read them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import openai
import pytest
from conftest import MODEL, TEST_KEY

from mockserver import Fault, FaultRule
from mockserver.scripting.reply import Reply
from mockserver.scripting.stream_plan import Pacing, StreamFault, StreamPlan
from mockserver.server import MockServer

HI = [{"role": "user", "content": "hello"}]
TEXT = "A reply long enough to arrive in several chunks of the stream."
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture
def oai(fresh: MockServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0) as sdk:
        yield sdk


def stream(oai: openai.OpenAI, **extra: object) -> openai.Stream[object]:
    return oai.chat.completions.create(  # type: ignore[call-overload, no-any-return]
        model=MODEL, messages=HI, stream=True, **extra
    )


def test_an_error_mid_stream_raises_api_error(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply(TEXT, fault=StreamFault("error", after_events=3, error_type="overloaded_error"))
    got: list[object] = []
    with pytest.raises(openai.APIError) as raised:
        got.extend(stream(oai))
    # Not an APIStatusError: the status was already 200 when the error came.
    assert not isinstance(raised.value, openai.APIStatusError)
    assert raised.value.message == "Overloaded"
    assert raised.value.body == {
        "message": "Overloaded",
        "type": "overloaded_error",
        "param": None,
        "code": None,
    }
    # The chunks before the error reached the caller (extend keeps them as they come).
    assert len(got) == 3
    exchange = fresh.journal.all()[-1]
    assert exchange.interrupted
    assert exchange.error is not None
    assert exchange.error["type"] == "overloaded_error"
    # The text the client saw before the error, read through the journal's helpers.
    assert exchange.reply_text
    assert TEXT.startswith(exchange.reply_text)


def test_a_disconnect_mid_stream_raises_connection_error(
    oai: openai.OpenAI, fresh: MockServer
) -> None:
    fresh.reply(TEXT, fault=StreamFault("disconnect", after_events=2))
    with pytest.raises(openai.APIConnectionError):
        list(stream(oai))
    exchange = fresh.journal.all()[-1]
    assert exchange.interrupted
    assert exchange.events_sent == 2


def test_a_disconnect_before_done_leaves_the_chunks_but_no_done(fresh: MockServer) -> None:
    # "short": the role, one content and the finish chunk, then [DONE] would come.
    fresh.reply("short", fault=StreamFault("disconnect", after_events=3))
    with httpx2.stream(
        "POST",
        fresh.base_url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {TEST_KEY}"},
        json={"model": MODEL, "messages": HI, "stream": True},
        timeout=10,
    ) as raw:
        pieces: list[bytes] = []
        with pytest.raises(httpx2.RemoteProtocolError):
            pieces.extend(raw.iter_bytes())
    body = b"".join(pieces)
    assert b'"finish_reason":"stop"' in body
    assert b"[DONE]" not in body


def test_a_stall_times_the_sdk_out(fresh: MockServer) -> None:
    fresh.reply(TEXT, fault=StreamFault("stall", after_events=1, stall_seconds=5))
    with openai.OpenAI(
        base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0, timeout=0.5
    ) as sdk:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            list(stream(sdk))
    assert time.monotonic() - started < 4


def test_a_fault_rule_in_stream_strikes_this_door(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.inject(FaultRule(Fault.in_stream(StreamFault("error", after_events=1))))
    with pytest.raises(openai.APIError):
        list(stream(oai))
    assert fresh.journal.all()[-1].api == "openai"


def test_pacing_spends_time_to_first_token_then_tokens(
    oai: openai.OpenAI, fresh: MockServer
) -> None:
    pacing = Pacing(first_token_delay=0.3, tokens_per_second=100, chunk_chars=8)
    fresh.reply(Reply(content=({"type": "text", "text": TEXT},), stream=StreamPlan(pacing=pacing)))
    started = time.monotonic()
    chunks = stream(oai)
    first_content = None
    pieces = []
    for chunk in chunks:
        content = chunk.choices[0].delta.content if chunk.choices else None  # type: ignore[attr-defined]
        if content and first_content is None:
            first_content = time.monotonic() - started
        pieces.append(content or "")
    total = time.monotonic() - started
    assert "".join(pieces) == TEXT
    assert first_content is not None
    assert 0.3 <= first_content < 1.5
    # 63 characters in 8-character pieces: 16 tokens at 100 a second on top of the 0.3.
    assert total >= 0.3 + 0.14
    # chunk_chars shapes this door's pieces too.
    assert max(len(p) for p in pieces) == 8


def test_an_unpaced_stream_journals_every_chunk_and_done(
    oai: openai.OpenAI, fresh: MockServer
) -> None:
    # Kept to this door: a step stays loaded for new conversations, and the session server
    # is not reset before test_plugin's module fixture sends a tool-less Anthropic request.
    fresh.reply_tool_use("get_weather", {"city": "Paris"}, text="Let me look.", api="openai")
    list(stream(oai, tools=[WEATHER], stream_options={"include_usage": True}))
    exchange = fresh.journal.all()[-1]
    assert exchange.response[-1] == ("done", {})
    assert exchange.events_sent == len(exchange.response)
    assert not exchange.interrupted
    assert exchange.reply_text == "Let me look."
    [call] = exchange.tool_uses
    assert (call["name"], call["input"]) == ("get_weather", {"city": "Paris"})
    message = exchange.message
    assert message is not None
    assert message["stop_reason"] == "tool_use"
    assert message["usage"]["output_tokens"] > 0
