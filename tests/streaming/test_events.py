"""Message → SSE events, and the stream's timing and fault points: pure functions, plain dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stream_support import CHAR_CITATION, WEB_CITATION, accumulate, comparable, parse_sse

from mockserver.scripting.stream_plan import Pacing, StreamFault
from mockserver.streaming.events import message_events, split_json, sse_frame
from mockserver.streaming.sse_schedule import FaultPoint, event_delays, fault_point

USAGE = {
    "input_tokens": 120,
    "output_tokens": 57,
    "cache_creation_input_tokens": 30,
    "cache_read_input_tokens": 900,
    "cache_creation": {"ephemeral_5m_input_tokens": 30, "ephemeral_1h_input_tokens": 0},
    "service_tier": "standard",
    "inference_geo": "global",
    "output_tokens_details": {"thinking_tokens": 0},
}

TOOL_INPUT = {
    "city": 'Zürich "old town" \\ 東京 😀',
    "days": [1, 2.5, -3e-7, None, True],
    "nested": {"deep": {"deeper": ["x" * 40]}, "empty": {}},
}
SEARCH_RESULT = {
    "type": "web_search_tool_result",
    "tool_use_id": "srvtoolu_01A",
    "content": [
        {
            "type": "web_search_result",
            "encrypted_content": "EqgfCioIARgB",
            "title": "Paris",
            "url": "https://example.com/paris",
            "page_age": None,
        }
    ],
    "caller": {"type": "direct"},
}


def message(*content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": "msg_01XYZ",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": list(content),
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "stop_details": None,
        "usage": dict(USAGE),
    } | fields


def text(value: str, citations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": value}
    if citations is not None:
        block["citations"] = citations
    return block


def tool_use(name: str, tool_input: dict[str, Any], tool_id: str = "toolu_01A") -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": tool_id,
        "name": name,
        "input": tool_input,
        "caller": {"type": "direct"},
    }


THINKING = {
    "type": "thinking",
    "thinking": "Let me think about the weather. " * 5,
    "signature": "EqQBCkgIAxABGAIiQL",
}

SHAPES: dict[str, dict[str, Any]] = {
    "text": message(text("Hello! How can I help you today?")),
    "long text": message(text("word " * 300)),
    "empty content": message(),
    "two texts": message(text("First."), text("Second.")),
    "thinking, text, tool_use": message(
        THINKING, text("I'll check."), tool_use("get_weather", TOOL_INPUT), stop_reason="tool_use"
    ),
    "empty tool input": message(tool_use("list_files", {}), stop_reason="tool_use"),
    "parallel tools": message(
        tool_use("a", {"q": 1}, "toolu_01A"),
        tool_use("b", {"q": 2}, "toolu_01B"),
        stop_reason="tool_use",
    ),
    "toolset member": message(
        tool_use("screenshot", {}) | {"toolset_name": "computer"}, stop_reason="tool_use"
    ),
    "redacted thinking": message(
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va"}, text("Done.")
    ),
    "omitted thinking": message(
        {"type": "thinking", "thinking": "", "signature": "EqQBsig"}, text("Hi")
    ),
    "cited text": message(
        text("Based on the document, "),
        text("the sky is blue", [CHAR_CITATION, CHAR_CITATION | {"start_char_index": 4}]),
        text("."),
    ),
    "web search": message(
        {
            "type": "server_tool_use",
            "id": "srvtoolu_01A",
            "name": "web_search",
            "input": {"query": "capital of France"},
            "caller": {"type": "direct"},
        },
        SEARCH_RESULT,
        text("Paris", [WEB_CITATION]),
        usage=USAGE | {"server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0}},
    ),
    "code execution with container": message(
        {
            "type": "server_tool_use",
            "id": "srvtoolu_01B",
            "name": "bash_code_execution",
            "input": {"command": "ls"},
        },
        {
            "type": "bash_code_execution_tool_result",
            "tool_use_id": "srvtoolu_01B",
            "content": {
                "type": "bash_code_execution_result",
                "stdout": "a.txt\n",
                "stderr": "",
                "return_code": 0,
                "content": [],
            },
        },
        container={"id": "container_011C", "expires_at": "2026-11-22T05:00:00Z", "skills": None},
    ),
    "refusal": message(
        stop_reason="refusal",
        stop_details={"type": "refusal", "category": "cyber", "explanation": "Not this."},
        usage=USAGE | {"output_tokens": 0},
    ),
    "stop sequence": message(
        text("Counting: 1, 2, "), stop_reason="stop_sequence", stop_sequence="3"
    ),
    "max tokens": message(text("This answer was cut"), stop_reason="max_tokens"),
}


def names(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in events]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("chunk", [1, 5, 24, 10_000])
def test_the_accumulated_stream_is_the_message(shape: str, chunk: int) -> None:
    msg = SHAPES[shape]
    wire = b"".join(sse_frame(n, d) for n, d in message_events(msg, chunk_chars=chunk, seed=chunk))
    assert comparable(accumulate(parse_sse(wire))) == comparable(msg)


def test_a_text_and_tool_stream_runs_in_the_api_order() -> None:
    msg = message(
        text("I'll check."), tool_use("get_weather", {"city": "Paris"}), stop_reason="tool_use"
    )
    got = names(message_events(msg, chunk_chars=100))
    assert got == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_blocks_are_indexed_in_order_one_open_at_a_time(shape: str) -> None:
    open_index: int | None = None
    started: list[int] = []
    for name, data in message_events(SHAPES[shape], chunk_chars=7):
        if name == "content_block_start":
            assert open_index is None
            open_index = data["index"]
            started.append(data["index"])
        elif name == "content_block_delta":
            assert data["index"] == open_index
        elif name == "content_block_stop":
            assert data["index"] == open_index
            open_index = None
    assert started == list(range(len(SHAPES[shape]["content"])))


def test_ping_comes_right_after_the_first_block_start_or_message_start() -> None:
    assert names(message_events(SHAPES["two texts"]))[:3] == [
        "message_start",
        "content_block_start",
        "ping",
    ]
    assert names(message_events(SHAPES["empty content"]))[:2] == ["message_start", "ping"]
    assert sse_frame("ping", {"type": "ping"}) == b'event: ping\ndata: {"type": "ping"}\n\n'


def test_message_start_is_the_shell_and_message_delta_the_totals() -> None:
    msg = SHAPES["web search"]
    events = message_events(msg)
    shell = events[0][1]["message"]
    assert shell["content"] == []
    assert shell["id"] == msg["id"]
    assert (shell["stop_reason"], shell["stop_sequence"], shell["stop_details"]) == (
        None,
        None,
        None,
    )
    assert shell["usage"]["output_tokens"] == 1
    for key in (
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
    ):
        assert shell["usage"][key] == USAGE[key]
    name, delta = events[-2]
    assert name == "message_delta"
    assert delta["usage"]["output_tokens"] == 57
    assert delta["usage"]["input_tokens"] == 120
    assert delta["usage"]["cache_read_input_tokens"] == 900
    assert delta["usage"]["server_tool_use"] == {"web_search_requests": 1, "web_fetch_requests": 0}
    assert delta["delta"] == {
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "stop_details": None,
    }
    assert events[-1] == ("message_stop", {"type": "message_stop"})


def test_message_delta_carries_stop_details_and_container() -> None:
    refusal = message_events(SHAPES["refusal"])[-2][1]
    assert refusal["delta"]["stop_details"]["category"] == "cyber"
    assert refusal["usage"]["output_tokens"] == 0
    code = message_events(SHAPES["code execution with container"])
    assert "container" not in code[0][1]["message"]
    assert code[-2][1]["delta"]["container"]["id"] == "container_011C"


def deltas(events: list[tuple[str, dict[str, Any]]], index: int) -> list[dict[str, Any]]:
    return [d["delta"] for n, d in events if n == "content_block_delta" and d["index"] == index]


def test_tool_input_arrives_as_uneven_fragments_starting_with_an_empty_one() -> None:
    events = message_events(message(tool_use("get_weather", TOOL_INPUT)), chunk_chars=8)
    start = events[1][1]["content_block"]
    assert start == {
        "type": "tool_use",
        "id": "toolu_01A",
        "name": "get_weather",
        "caller": {"type": "direct"},
        "input": {},
    }
    fragments = [d["partial_json"] for d in deltas(events, 0)]
    assert fragments[0] == ""
    assert json.loads("".join(fragments)) == TOOL_INPUT
    assert len({len(f) for f in fragments[1:-1]}) > 3
    # Cut points fall inside strings and numbers, not only between JSON tokens.
    joined = ""
    inside_string = 0
    for fragment in fragments[1:-1]:
        joined += fragment
        inside_string += joined.count('"') % 2 == 1
    assert inside_string > 0


def test_empty_tool_input_is_only_the_opening_fragment() -> None:
    events = message_events(SHAPES["empty tool input"])
    assert deltas(events, 0) == [{"type": "input_json_delta", "partial_json": ""}]


def test_json_splitting_is_deterministic_per_seed() -> None:
    encoded = json.dumps(TOOL_INPUT)
    assert split_json(encoded, 6, seed=3) == split_json(encoded, 6, seed=3)
    assert split_json(encoded, 6, seed=3) != split_json(encoded, 6, seed=4)
    assert "".join(split_json(encoded, 6, seed=3)) == encoded
    assert max(len(p) for p in split_json(encoded, 6, seed=3)) <= 6


def test_thinking_streams_its_text_then_one_signature_before_stop() -> None:
    events = message_events(SHAPES["thinking, text, tool_use"], chunk_chars=16)
    assert events[1][1]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    thinking = deltas(events, 0)
    assert [d["type"] for d in thinking] == ["thinking_delta"] * (len(thinking) - 1) + [
        "signature_delta"
    ]
    assert "".join(d["thinking"] for d in thinking[:-1]) == THINKING["thinking"]
    assert thinking[-1]["signature"] == THINKING["signature"]
    stop_at = next(i for i, (n, d) in enumerate(events) if n == "content_block_stop")
    assert events[stop_at - 1][1]["delta"]["type"] == "signature_delta"


@pytest.mark.parametrize(
    "shape", ["redacted thinking", "web search", "code execution with container"]
)
def test_result_blocks_and_redacted_thinking_arrive_whole_in_their_start(shape: str) -> None:
    events = message_events(SHAPES[shape])
    whole = {"redacted_thinking", "web_search_tool_result", "bash_code_execution_tool_result"}
    for name, data in events:
        if name == "content_block_start" and data["content_block"]["type"] in whole:
            index = data["index"]
            assert data["content_block"] == SHAPES[shape]["content"][index]
            assert deltas(events, index) == []


def test_cited_text_opens_with_empty_citations_and_sends_each_as_a_delta() -> None:
    events = message_events(SHAPES["cited text"])
    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert starts[0] == {"type": "text", "text": ""}
    assert starts[1] == {"type": "text", "text": "", "citations": []}
    cited = deltas(events, 1)
    assert [d["type"] for d in cited[:2]] == ["citations_delta", "citations_delta"]
    assert cited[0]["citation"] == CHAR_CITATION
    assert "".join(d["text"] for d in cited[2:]) == "the sky is blue"


def test_every_frame_is_named_compact_json_of_its_own_type() -> None:
    for name, data in message_events(SHAPES["thinking, text, tool_use"]):
        frame = sse_frame(name, data)
        head, body = frame.split(b"\n", 1)
        assert head == b"event: " + name.encode()
        assert body.startswith(b"data: ")
        assert body.endswith(b"\n\n")
        assert body.count(b"\n") == 2
        assert json.loads(body[6:])["type"] == name
        if name != "ping":
            assert b'": ' not in body[6:] or b'\\": ' in body[6:]


def test_frames_carry_utf8_and_survive_lone_surrogates() -> None:
    frame = sse_frame("content_block_delta", {"delta": {"text": "東京 😀"}})
    assert "東京 😀".encode() in frame
    broken = sse_frame("content_block_delta", {"delta": {"text": "a\udc80b"}})
    assert json.loads(broken.split(b"data: ")[1])["delta"]["text"] == "a\udc80b"


def test_no_pacing_means_no_waiting() -> None:
    assert not any(event_delays(message_events(SHAPES["long text"]), Pacing()))


def test_pacing_spends_first_token_time_after_the_ping_then_tokens_at_the_rate() -> None:
    events = message_events(message(text("x" * 40)), chunk_chars=8)
    delays = event_delays(events, Pacing(first_token_delay=0.5, tokens_per_second=4))
    assert names(events)[:3] == ["message_start", "content_block_start", "ping"]
    assert delays[:3] == [0.0, 0.0, 0.0]
    # Each 8-character delta is 2 tokens: half a second at 4 tokens per second.
    assert delays[3] == pytest.approx(1.0)
    assert delays[4:8] == pytest.approx([0.5] * 4)
    assert delays[-3:] == [0.0, 0.0, 0.0]


def test_jitter_is_seeded_and_bounded() -> None:
    events = message_events(SHAPES["long text"], chunk_chars=4)
    paced = Pacing(tokens_per_second=10, jitter=0.5, seed=7)
    first = event_delays(events, paced)
    assert first == event_delays(events, paced)
    assert first != event_delays(events, Pacing(tokens_per_second=10, jitter=0.5, seed=8))
    waits = [d for d in first if d]
    assert all(0.05 <= d <= 0.15 for d in waits)
    assert len(set(waits)) > 10


FRAMES = [b"a" * 10, b"b" * 10, b"c" * 10]


@pytest.mark.parametrize(
    ("fault", "point"),
    [
        (StreamFault("error"), FaultPoint(0)),
        (StreamFault("stall", after_events=2), FaultPoint(2)),
        (StreamFault("disconnect", after_events=99), FaultPoint(3)),
        (StreamFault("disconnect", after_bytes=15), FaultPoint(1, 5)),
        (StreamFault("stall", after_bytes=20), FaultPoint(2, 0)),
        (StreamFault("error", after_bytes=15), FaultPoint(2)),
        (StreamFault("error", after_bytes=10), FaultPoint(1)),
        (StreamFault("disconnect", after_bytes=1000), FaultPoint(3)),
    ],
)
def test_fault_points(fault: StreamFault, point: FaultPoint) -> None:
    assert fault_point(fault, FRAMES) == point


@pytest.mark.parametrize(
    ("build", "complaint"),
    [
        (lambda: StreamFault("explode"), "fault kind must be one of"),  # type: ignore[arg-type]
        (lambda: StreamFault("error", after_events=1, after_bytes=1), "not both"),
        (lambda: StreamFault("stall", after_events=-1), "must be >= 0"),
        (lambda: Pacing(chunk_chars=0), "chunk_chars"),
        (lambda: Pacing(tokens_per_second=0), "tokens_per_second"),
        (lambda: Pacing(jitter=2), "jitter"),
    ],
)
def test_impossible_plans_are_refused(build: Any, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        build()


def reference_frame(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        'quote " backslash \\ slash /',
        "tab\tnew\nline\r\x00\x1f",
        "é 東京 😀 \u2028 \x85",
    ],
)
@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("text_delta", "text"),
        ("thinking_delta", "thinking"),
        ("input_json_delta", "partial_json"),
        ("signature_delta", "signature"),
    ],
)
def test_delta_frames_are_exactly_the_json_encoding(kind: str, field: str, value: str) -> None:
    data = {"type": "content_block_delta", "index": 12, "delta": {"type": kind, field: value}}
    assert sse_frame("content_block_delta", data) == reference_frame("content_block_delta", data)


def test_other_deltas_take_the_general_encoding() -> None:
    cited = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "citations_delta", "citation": CHAR_CITATION},
    }
    assert sse_frame("content_block_delta", cited) == reference_frame("content_block_delta", cited)
    odd = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}}
    assert sse_frame("content_block_delta", odd) == reference_frame("content_block_delta", odd)
    lone = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "\ud800"},
    }
    assert json.loads(sse_frame("content_block_delta", lone).split(b"data: ")[1]) == lone
