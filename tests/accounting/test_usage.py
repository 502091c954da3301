from __future__ import annotations

from typing import Any

from anthropic.types import MessageDeltaUsage, Usage

from mockserver.accounting.cache import CacheUsage
from mockserver.accounting.stopping import Finished
from mockserver.accounting.usage import build_usage, delta_usage, server_tool_use, start_usage

CACHE = CacheUsage(
    input_tokens=12,
    cache_creation_input_tokens=300,
    cache_read_input_tokens=2000,
    ephemeral_5m_input_tokens=100,
    ephemeral_1h_input_tokens=200,
)
SEARCH = {
    "type": "server_tool_use",
    "id": "srvtoolu_1",
    "name": "web_search",
    "input": {"query": "x"},
}
FETCH = {"type": "server_tool_use", "id": "srvtoolu_2", "name": "web_fetch", "input": {"url": "u"}}


def finished(*content: dict[str, Any], output: int = 40, thinking: int = 10) -> Finished:
    return Finished(list(content), "end_turn", None, None, output, thinking)


def test_usage_has_the_recorded_fields_and_no_unused_ones() -> None:
    usage = build_usage(CACHE, finished({"type": "text", "text": "hi"}, thinking=0), {})
    assert usage == {
        "input_tokens": 12,
        "cache_creation_input_tokens": 300,
        "cache_read_input_tokens": 2000,
        "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
        "output_tokens": 40,
        "service_tier": "standard",
        "inference_geo": "global",
    }
    assert Usage.model_validate(usage).cache_creation is not None


def test_thinking_tokens_are_reported_where_thinking_is_in_play() -> None:
    text = {"type": "text", "text": "hi"}
    on = build_usage(CACHE, finished(text, thinking=0), {}, thinking=True)
    assert on["output_tokens_details"] == {"thinking_tokens": 0}
    thought = build_usage(CACHE, finished(text, thinking=10), {})
    assert thought["output_tokens_details"] == {"thinking_tokens": 10}


def test_request_options_are_echoed() -> None:
    usage = build_usage(
        CACHE, finished(), {"inference_geo": "us", "speed": "fast"}, service_tier="batch"
    )
    assert (usage["inference_geo"], usage["speed"], usage["service_tier"]) == (
        "us",
        "fast",
        "batch",
    )


def test_server_tool_requests_are_counted_from_the_reply() -> None:
    assert server_tool_use([SEARCH, SEARCH, FETCH, {"type": "text", "text": "x"}]) == {
        "web_search_requests": 2,
        "web_fetch_requests": 1,
    }
    code = {"type": "server_tool_use", "id": "srvtoolu_3", "name": "code_execution", "input": {}}
    assert server_tool_use([code]) is None
    assert "server_tool_use" not in build_usage(CACHE, finished(code), {})
    assert build_usage(CACHE, finished(SEARCH), {})["server_tool_use"]["web_search_requests"] == 1


def test_stream_usage_carries_the_same_figures() -> None:
    final = build_usage(CACHE, finished(SEARCH, output=57), {})
    start = start_usage(final)
    delta = delta_usage(final)
    for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        assert start[name] == delta[name] == final[name]
    assert start["output_tokens"] == 1
    assert start["cache_creation"] == final["cache_creation"]
    assert delta["output_tokens"] == 57
    assert delta["server_tool_use"] == final["server_tool_use"]
    assert delta["output_tokens_details"] == {"thinking_tokens": 10}
    # As recorded, message_start leaves both to message_delta.
    assert "server_tool_use" not in start
    assert "output_tokens_details" not in start
    MessageDeltaUsage.model_validate(delta)
    Usage.model_validate(start)


def test_prewarm_start_usage_never_exceeds_the_final_count() -> None:
    final = build_usage(CACHE, finished(output=0, thinking=0), {})
    assert start_usage(final)["output_tokens"] == 0
