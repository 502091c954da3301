"""`stream: true` through the official SDK: every reply shape streams to the plain Message."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import (
    InputJSONDelta,
    MessageParam,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawMessageDeltaEvent,
    RawMessageStreamEvent,
    ToolParam,
    ToolUseBlock,
)
from conftest import MODEL, TEST_KEY, api_headers
from stream_support import (
    CHAR_CITATION,
    WEB_CITATION,
    answer_with,
    assert_same_message,
    parse_sse,
    stream_and_create,
)

from mockserver.scripting.reply import Reply
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
WEATHER_TOOL: ToolParam = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
TRICKY_INPUT = {
    "city": 'Zürich "old town" \\ 東京 😀\n',
    "days": [1, 2.5, -3e-7, None, True],
    "nested": {"deep": {"deeper": ["x" * 60]}, "empty": {}},
}
THINK = {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 4096}

SHAPES: dict[str, tuple[Reply, dict[str, Any]]] = {
    "text": (Reply.text("Hello! How can I help you today?"), {}),
    "long text": (Reply.text("All work and no play. " * 60), {}),
    "text cut at max_tokens": (
        Reply.text("one two three four five six seven " * 20),
        {"max_tokens": 12},
    ),
    "stop sequence": (Reply.text("Counting: 1, 2, 3, 4"), {"stop_sequences": ["3"]}),
    "tool call after text": (
        Reply.tool_use("get_weather", TRICKY_INPUT, text="I'll check."),
        {"tools": [WEATHER_TOOL]},
    ),
    "parallel tool calls": (
        Reply.blocks(
            {"type": "tool_use", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "name": "get_weather", "input": {}},
        ),
        {"tools": [WEATHER_TOOL]},
    ),
    "thinking then text": (
        Reply.blocks(
            {"type": "thinking", "thinking": "The user greets me. " * 10},
            {"type": "text", "text": "Hi!"},
        ),
        THINK,
    ),
    "redacted thinking": (
        Reply.blocks(
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3vaRedacted"},
            {"type": "text", "text": "Hi."},
        ),
        THINK,
    ),
    "cited text": (
        Reply.blocks(
            {"type": "text", "text": "The document says "},
            {"type": "text", "text": "the sky is blue", "citations": [CHAR_CITATION]},
        ),
        {},
    ),
    "web search with cited answer": (
        Reply.blocks(
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01WebSearch",
                "name": "web_search",
                "input": {"query": "capital of France"},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01WebSearch",
                "content": [
                    {
                        "type": "web_search_result",
                        "encrypted_content": "EqgfCioIARgB",
                        "title": "Paris",
                        "url": "https://example.com/paris",
                        "page_age": None,
                    }
                ],
            },
            {"type": "text", "text": "Paris", "citations": [WEB_CITATION]},
        ),
        {"tools": [{"type": "web_search_20250305", "name": "web_search"}]},
    ),
    "refusal": (Reply.refusal(category="cyber", explanation="Not this one."), {}),
    "empty text": (Reply.blocks(), {}),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_stream_helper_ends_with_the_plain_message(
    shape: str, fresh: MockServer, client: anthropic.Anthropic
) -> None:
    reply, params = SHAPES[shape]
    answer_with(fresh, reply)
    streamed, plain = stream_and_create(
        client, **({"model": MODEL, "max_tokens": 256, "messages": HI} | params)
    )
    assert_same_message(streamed, plain)
    assert [e.streamed for e in fresh.journal.messages()] == [True, False]


def test_text_arrives_in_pieces_that_join_to_the_reply(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    answer_with(fresh, Reply.text("All work and no play. " * 10))
    with client.messages.stream(model=MODEL, max_tokens=256, messages=HI) as stream:
        pieces = list(stream.text_stream)
    assert len(pieces) > 5
    assert "".join(pieces) == "All work and no play. " * 10


def test_raw_events_come_in_the_api_order(fresh: MockServer, client: anthropic.Anthropic) -> None:
    answer_with(fresh, Reply.tool_use("get_weather", {"city": "Paris"}, text="I'll check."))
    stream = client.messages.create(
        model=MODEL, max_tokens=256, messages=HI, tools=[WEATHER_TOOL], stream=True
    )
    events: list[RawMessageStreamEvent] = list(stream)
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-2:] == ["message_delta", "message_stop"]
    starts = [e for e in events if isinstance(e, RawContentBlockStartEvent)]
    assert [s.index for s in starts] == [0, 1]
    tool_start = starts[1].content_block
    assert isinstance(tool_start, ToolUseBlock)
    assert tool_start.input == {}
    assert tool_start.caller is not None
    fragments = [
        e.delta.partial_json
        for e in events
        if isinstance(e, RawContentBlockDeltaEvent) and isinstance(e.delta, InputJSONDelta)
    ]
    assert fragments[0] == ""
    assert "".join(fragments) == '{"city": "Paris"}'
    final = events[-2]
    assert isinstance(final, RawMessageDeltaEvent)
    assert final.delta.stop_reason == "tool_use"


def test_the_wire_format(fresh: MockServer, http: httpx2.Client) -> None:
    body = {"model": MODEL, "max_tokens": 64, "messages": HI, "stream": True}
    response = http.post("/v1/messages", json=body, headers=api_headers())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["request-id"].startswith("req_")
    assert response.content.split(b"\n\n")[2] == b'event: ping\ndata: {"type": "ping"}'
    events = parse_sse(response.content)
    assert all(data["type"] == name for name, data in events)
    assert [name for name, _ in events][:3] == ["message_start", "content_block_start", "ping"]
    journaled = fresh.journal.messages()[-1]
    assert journaled.streamed
    assert journaled.events_sent == len(events)
    assert not journaled.interrupted


def test_a_streamed_tool_loop(fresh: MockServer, client: anthropic.Anthropic) -> None:
    fresh.reply_tool_use("get_weather", {"city": "Paris"}, text="Let me look.", name="ask")
    fresh.reply_text("It is sunny in Paris.", tool_result="get_weather", name="answer")
    messages: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]
    with client.messages.stream(
        model=MODEL, max_tokens=256, messages=messages, tools=[WEATHER_TOOL]
    ) as stream:
        first = stream.get_final_message()
    assert first.stop_reason == "tool_use"
    call = first.content[-1]
    assert call.type == "tool_use"
    assert call.input == {"city": "Paris"}
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "24°C, sunny"}],
        },
    ]
    with client.messages.stream(
        model=MODEL, max_tokens=256, messages=messages, tools=[WEATHER_TOOL]
    ) as stream:
        text = stream.get_final_text()
    assert text == "It is sunny in Paris."
    assert [e.step.split("/")[-1] for e in fresh.journal.messages() if e.step] == ["ask", "answer"]
    assert fresh.journal.violations() == []


def test_a_streamed_thinking_tool_loop_sends_its_thinking_back(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.reply(
        Reply.blocks(
            {"type": "thinking", "thinking": "I need the weather tool for this."},
            {"type": "tool_use", "name": "get_weather", "input": {"city": "Oslo"}},
        )
    )
    fresh.reply_text("Cold in Oslo.", tool_result="get_weather")
    params: dict[str, Any] = {"model": MODEL, "tools": [WEATHER_TOOL]} | THINK
    messages: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    with client.messages.stream(messages=messages, **params) as stream:
        first = stream.get_final_message()
    thinking, call = first.content
    assert thinking.type == "thinking"
    assert thinking.signature
    assert call.type == "tool_use"
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "-3°C"}],
        },
    ]
    with client.messages.stream(messages=messages, **params) as stream:
        assert stream.get_final_text() == "Cold in Oslo."
    # The server checked the thinking block it got back: the streamed signature was valid.
    assert fresh.journal.violations() == []


async def test_the_async_client_streams_the_same(fresh: MockServer) -> None:
    answer_with(fresh, Reply.tool_use("get_weather", TRICKY_INPUT, text="Checking."))
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 256,
        "messages": HI,
        "tools": [WEATHER_TOOL],
    }
    async with anthropic.AsyncAnthropic(
        base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0
    ) as client:
        async with client.messages.stream(**params) as stream:
            streamed = await stream.get_final_message()
        plain = await client.messages.create(**params)
    assert_same_message(streamed, plain)
    call = streamed.content[1]
    assert call.type == "tool_use"
    assert call.input == TRICKY_INPUT
