"""Scripted stream faults, as the official SDK surfaces them to its users.

- an `event: error` after HTTP 200: `anthropic.APIStatusError` (status 200), not retried;
- a connection dropped mid-body: `APIConnectionError` from SDK 2.17 on, the transport's
  own `httpx2.RemoteProtocolError` before it (conftest.STREAM_CUT);
- dropped, or stalled, before the first event: no response at all, so the SDK's
  `APIConnectionError` / `APITimeoutError`, after its retries;
- stalled mid-stream: `APITimeoutError` from 2.17 on, `httpx2.ReadTimeout` before it
  (conftest.STREAM_TIMEOUT).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, STREAM_CUT, STREAM_TIMEOUT, TEST_KEY, api_headers
from stream_support import (
    answer_with,
    assert_same_message,
    parse_sse,
    stream_and_create,
    wait_for_stream_end,
)

from mockserver.scripting.reply import Reply
from mockserver.scripting.stream_plan import StreamFault, StreamPlan
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
PARAMS: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": HI}
BODY = PARAMS | {"stream": True}
TEXT = "The quick brown fox jumps over the lazy dog. " * 3


def faulty(fault: StreamFault) -> Reply:
    return Reply(content=({"type": "text", "text": TEXT},), stream=StreamPlan(fault=fault))


def sdk(server: MockServer, *, retries: int = 0, timeout: float = 10) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=server.base_url, api_key=TEST_KEY, max_retries=retries, timeout=timeout
    )


def read_into(seen: list[str], events: Iterable[Any]) -> None:
    seen.extend(event.type for event in events)


def test_an_error_event_raises_api_status_error_and_is_not_retried(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("error", after_events=5)))
    seen: list[str] = []
    with (
        sdk(fresh, retries=2) as client,
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(**PARAMS) as stream,
    ):
        read_into(seen, stream)
    error = caught.value
    assert error.status_code == 200
    assert error.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": error.request_id,
    }
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert "message_stop" not in seen
    (exchange,) = fresh.journal.messages()
    assert exchange.events_sent == 6
    assert exchange.interrupted
    assert exchange.response[-1][0] == "error"


def test_an_error_event_can_come_first_with_any_type_and_message(
    fresh: MockServer, http: httpx2.Client
) -> None:
    answer_with(fresh, faulty(StreamFault("error", error_type="api_error")))
    response = http.post("/v1/messages", json=BODY, headers=api_headers())
    assert response.status_code == 200
    ((name, data),) = parse_sse(response.content)
    assert name == "error"
    assert data["error"] == {"type": "api_error", "message": "Internal server error"}
    fresh.reset()
    answer_with(
        fresh, faulty(StreamFault("error", error_type="rate_limit_error", message="Slow down"))
    )
    with sdk(fresh) as client, pytest.raises(anthropic.APIStatusError, match="Slow down"):
        list(client.messages.create(**BODY))


def test_a_drop_mid_stream_is_an_incomplete_body(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("disconnect", after_events=4)))
    seen: list[str] = []
    with (
        sdk(fresh, retries=2) as client,
        pytest.raises(STREAM_CUT, match="incomplete chunked read"),
    ):
        read_into(seen, client.messages.create(**BODY))
    # message_start, content_block_start, (ping,) one delta.
    assert seen == ["message_start", "content_block_start", "content_block_delta"]
    (exchange,) = fresh.journal.messages()
    assert exchange.events_sent == 4
    assert exchange.interrupted


def test_a_drop_after_n_bytes_cuts_inside_a_frame(fresh: MockServer, http: httpx2.Client) -> None:
    answer_with(fresh, faulty(StreamFault("disconnect", after_bytes=700)))
    received: list[bytes] = []
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response,
    ):
        received.extend(response.iter_raw())
    assert len(b"".join(received)) == 700
    assert not received[-1].endswith(b"\n\n")
    assert fresh.journal.messages()[-1].interrupted


def test_a_drop_before_the_first_event_is_a_connection_error(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("disconnect")))
    with sdk(fresh, retries=1) as client, pytest.raises(anthropic.APIConnectionError):
        client.messages.create(**BODY)
    assert len(fresh.journal.messages()) == 2


def test_a_stall_before_the_first_event_times_the_request_out(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("stall", stall_seconds=5)))
    with sdk(fresh, timeout=0.3) as client, pytest.raises(anthropic.APITimeoutError):
        client.messages.create(**BODY)
    (exchange,) = wait_for_stream_end(fresh)
    assert exchange.interrupted
    assert exchange.events_sent == 0


def test_a_stall_mid_stream_trips_the_read_timeout(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("stall", after_events=3, stall_seconds=5)))
    seen: list[str] = []
    with sdk(fresh, timeout=0.3) as client, pytest.raises(STREAM_TIMEOUT):
        read_into(seen, client.messages.create(**BODY))
    assert seen == ["message_start", "content_block_start"]
    (exchange,) = wait_for_stream_end(fresh)
    assert exchange.interrupted
    assert exchange.events_sent == 3


def test_a_short_stall_only_delays_the_stream(fresh: MockServer) -> None:
    answer_with(fresh, faulty(StreamFault("stall", after_bytes=900, stall_seconds=0.3)))
    with sdk(fresh) as client:
        started = time.monotonic()
        streamed, plain = stream_and_create(client, **PARAMS)
        assert time.monotonic() - started >= 0.3
    assert_same_message(streamed, plain)
    streamed_exchange = fresh.journal.messages()[0]
    assert not streamed_exchange.interrupted
    assert streamed_exchange.response[-1][0] == "message_stop"
