"""Replies carry the fields recorded real traffic carries, and leave out unused features'.

A field whose feature went unused is absent, not null (the AI SDK's schemas refuse a
null `citations`), and the JSON reply is key for key the Message its stream folds into.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest
from conftest import MODEL, api_headers
from stream_accumulate_raw import fold, ids_by_position
from stream_support import CHAR_CITATION, answer_with, parse_sse

from mockserver.scripting.reply import Reply
from mockserver.server import MockServer

UNUSED = ("citations", "container", "diagnostics")
UNUSED_USAGE = ("server_tool_use", "speed", "output_tokens_details")
HELLO = {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}
SEARCH_TOOL = {"type": "web_search_20250305", "name": "web_search"}


def post(http: httpx2.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/v1/messages", json=body, headers=api_headers())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def stream(http: httpx2.Client, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    response = http.post("/v1/messages", json=body | {"stream": True}, headers=api_headers())
    assert response.status_code == 200, response.text
    return parse_sse(response.content)


def assert_json_is_the_folded_stream(http: httpx2.Client, body: dict[str, Any]) -> None:
    plain = post(http, body)
    folded = fold(stream(http, body))
    assert ids_by_position(folded) == ids_by_position(plain)


def test_a_plain_reply_has_no_keys_for_unused_features(http: httpx2.Client) -> None:
    message = post(http, HELLO)
    assert [k for k in UNUSED if k in message] == []
    assert [k for k in UNUSED if k in message["content"][0]] == []
    assert [k for k in UNUSED_USAGE if k in message["usage"]] == []
    # What the recordings always show stays.
    assert message["stop_sequence"] is None
    assert message["stop_details"] is None
    assert set(message["usage"]) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
        "output_tokens",
        "service_tier",
        "inference_geo",
    }


def test_the_stream_of_a_plain_reply_has_the_recorded_shape(http: httpx2.Client) -> None:
    events = stream(http, HELLO)
    start = events[0][1]["message"]
    assert set(start) == {
        "id",
        "type",
        "role",
        "model",
        "content",
        "stop_reason",
        "stop_sequence",
        "stop_details",
        "usage",
    }
    assert "server_tool_use" not in start["usage"]
    shell = next(d for n, d in events if n == "content_block_start")["content_block"]
    assert shell == {"type": "text", "text": ""}
    delta = next(d for n, d in events if n == "message_delta")
    assert set(delta["delta"]) == {"stop_reason", "stop_sequence", "stop_details"}
    assert set(delta["usage"]) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    }


def test_the_sdk_reads_a_plain_reply_and_the_stream_folds_into_it(
    client: anthropic.Anthropic, http: httpx2.Client
) -> None:
    message = client.messages.create(**HELLO)
    assert message.content[0].type == "text"
    assert message.usage.server_tool_use is None
    assert_json_is_the_folded_stream(http, HELLO)


def test_thinking_in_play_reports_thinking_tokens_in_the_delta_only(http: httpx2.Client) -> None:
    body = HELLO | {"max_tokens": 2048, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    message = post(http, body)
    assert message["usage"]["output_tokens_details"]["thinking_tokens"] >= 0
    events = stream(http, body)
    assert "output_tokens_details" not in events[0][1]["message"]["usage"]
    delta = next(d for n, d in events if n == "message_delta")
    assert delta["usage"]["output_tokens_details"] == message["usage"]["output_tokens_details"]
    assert_json_is_the_folded_stream(http, body)


def test_cited_text_keeps_its_citations_and_the_shell_opens_them(
    fresh: MockServer, http: httpx2.Client
) -> None:
    answer_with(
        fresh,
        Reply.blocks(
            {"type": "text", "text": "Per the document, "},
            {"type": "text", "text": "the sky is blue", "citations": [CHAR_CITATION]},
        ),
    )
    message = post(http, HELLO)
    assert "citations" not in message["content"][0]
    assert message["content"][1]["citations"] == [CHAR_CITATION]
    shells = [d["content_block"] for n, d in stream(http, HELLO) if n == "content_block_start"]
    assert shells == [
        {"type": "text", "text": ""},
        {"type": "text", "text": "", "citations": []},
    ]
    assert_json_is_the_folded_stream(http, HELLO)


def test_a_scripted_null_citations_is_left_out(fresh: MockServer, http: httpx2.Client) -> None:
    answer_with(fresh, Reply.blocks({"type": "text", "text": "Hi", "citations": None}))
    assert post(http, HELLO)["content"] == [{"type": "text", "text": "Hi"}]


def test_server_tool_results_carry_strings_where_clients_require_them(
    fresh: MockServer, http: httpx2.Client, client: anthropic.Anthropic
) -> None:
    url = "https://example.com/paris"
    answer_with(
        fresh,
        Reply.blocks(
            {"type": "server_tool_use", "name": "web_search", "input": {"query": "Paris"}},
            {"type": "web_search_tool_result", "content": [{"title": "Paris facts", "url": url}]},
            {
                "type": "text",
                "text": "Paris is the capital.",
                "citations": [
                    {"type": "web_search_result_location", "url": url, "cited_text": "Capital."}
                ],
            },
            {"type": "server_tool_use", "name": "web_fetch", "input": {"url": url}},
            {
                "type": "web_fetch_tool_result",
                "content": {
                    "url": url,
                    "content": {
                        "type": "document",
                        "source": {"type": "text", "media_type": "text/plain", "data": "Paris."},
                    },
                },
            },
        ),
    )
    body = HELLO | {"tools": [SEARCH_TOOL, {"type": "web_fetch_20250910", "name": "web_fetch"}]}
    message = post(http, body)
    citation = message["content"][2]["citations"][0]
    assert citation["title"] == "Paris facts"
    retrieved = message["content"][4]["content"]["retrieved_at"]
    assert isinstance(retrieved, str)
    assert retrieved.endswith("Z")
    counts = {"web_search_requests": 1, "web_fetch_requests": 1}
    assert message["usage"]["server_tool_use"] == counts
    sdk = client.messages.create(**body)
    assert sdk.usage.server_tool_use is not None


@pytest.mark.parametrize("speed", ["standard", "fast"])
def test_speed_is_echoed_only_when_asked(fresh: MockServer, speed: str) -> None:
    headers = api_headers(**{"anthropic-beta": "fast-mode-2026-02-01"})
    with httpx2.Client(base_url=fresh.base_url, timeout=10) as raw:
        response = raw.post("/v1/messages", json=HELLO | {"speed": speed}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["speed"] == speed
