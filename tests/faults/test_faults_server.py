"""Injected faults over real HTTP, plain and streamed, from Python and from the admin API."""

from __future__ import annotations

import json
import time

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, STREAM_CUT, TEST_KEY

from mockserver.faults.rules import Fault, FaultRule
from mockserver.scripting.stream_plan import StreamFault
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]


def stream_all(client: anthropic.Anthropic) -> list[str]:
    """Read a whole stream; the event types received."""
    with client.messages.stream(model=MODEL, max_tokens=100, messages=HI) as stream:
        return [event.type for event in stream]


def test_latency_delays_the_answer_plain_and_before_a_streams_first_byte(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.latency(0.15), times=2))
    started = time.monotonic()
    client.messages.create(model=MODEL, max_tokens=50, messages=HI)
    plain = time.monotonic() - started
    started = time.monotonic()
    with client.messages.stream(model=MODEL, max_tokens=50, messages=HI) as stream:
        first = next(iter(stream))
        first_byte = time.monotonic() - started
        stream.get_final_message()
    assert first.type == "message_start"
    assert plain >= 0.15
    assert first_byte >= 0.15
    assert [e.status for e in fresh.journal.messages()] == [200, 200]


def test_an_http_error_strikes_a_stream_before_it_starts(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.fail_next(529, streaming=True)
    client.messages.create(model=MODEL, max_tokens=50, messages=HI)
    with pytest.raises(anthropic.OverloadedError) as caught:
        stream_all(client)
    assert caught.value.response.headers["content-type"].startswith("application/json")
    assert [(e.status, e.streamed) for e in fresh.journal.messages()] == [
        (200, False),
        (529, False),
    ]


def test_a_dropped_connection_gives_no_response_to_a_stream_either(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.disconnect(), streaming=True))
    with pytest.raises(anthropic.APIConnectionError) as caught:
        stream_all(client)
    assert "without sending a response" in str(caught.value.__cause__)
    assert fresh.journal.last_call.status == 0


def test_a_truncated_body_keeps_its_full_content_length_and_the_sdk_sees_a_connection_error(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.truncate(keep=0.5)))
    with pytest.raises(anthropic.APIConnectionError) as caught:
        client.messages.create(model=MODEL, max_tokens=50, messages=HI)
    cause = str(caught.value.__cause__)
    assert "peer closed connection without sending complete message body" in cause
    call = fresh.journal.last_call
    assert (call.status, call.interrupted) == (200, True)
    # Half the bytes of the message the journal records were sent.
    size = len(json.dumps(call.response).encode())
    assert f"(received {size // 2} bytes, expected {size})" in cause


def test_a_truncated_stream_ends_mid_way_and_the_sdk_raises_while_reading(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.truncate(keep=0.5), streaming=True))
    received: list[str] = []
    with (
        pytest.raises(STREAM_CUT, match="incomplete chunked read"),
        client.messages.stream(model=MODEL, max_tokens=100, messages=HI) as stream,
    ):
        received.extend(event.type for event in stream)
    call = fresh.journal.last_call
    assert call.interrupted
    assert "message_start" in received
    assert "message_stop" not in received
    assert 0 < call.events_sent < len(stream_all(client))


def test_a_fault_inside_the_stream_arrives_after_http_200_and_is_not_retried(
    fresh: MockServer,
) -> None:
    fault = StreamFault("error", after_events=3, error_type="api_error")
    fresh.inject(FaultRule(Fault.in_stream(fault)))
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=2) as client:
        client.messages.create(model=MODEL, max_tokens=50, messages=HI)
        with pytest.raises(anthropic.APIStatusError) as caught:
            stream_all(client)
    assert caught.value.status_code == 200
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "Internal server error"},
        "request_id": fresh.journal.last_call.request_id,
    }
    assert [e.streamed for e in fresh.journal.messages()] == [False, True]
    assert fresh.journal.last_call.events_sent == 4


def test_a_fault_for_one_key_or_session_leaves_the_others_alone(fresh: MockServer) -> None:
    fresh.fail_next(529, times=None, api_key="sk-ant-a")
    fresh.fail_next(503, times=None, session="slow-worker")
    with (
        anthropic.Anthropic(base_url=fresh.base_url, api_key="sk-ant-a", max_retries=0) as a,
        anthropic.Anthropic(base_url=fresh.base_url, api_key="sk-ant-b", max_retries=0) as b,
    ):
        with pytest.raises(anthropic.OverloadedError):
            a.messages.create(model=MODEL, max_tokens=50, messages=HI)
        assert b.messages.create(model=MODEL, max_tokens=50, messages=HI).content
        with pytest.raises(anthropic.ServiceUnavailableError):
            b.messages.create(
                model=MODEL,
                max_tokens=50,
                messages=HI,
                extra_headers={"x-mock-session": "slow-worker"},
            )
    assert [e.status for e in fresh.journal.messages()] == [529, 200, 503]


def test_count_tokens_faults_are_asked_for_by_endpoint(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.fail_next(504, endpoint="count_tokens", message="Request timed out upstream")
    assert client.messages.create(model=MODEL, max_tokens=50, messages=HI).content
    with pytest.raises(anthropic.GatewayTimeoutError) as caught:
        client.messages.count_tokens(model=MODEL, messages=HI)
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "timeout_error", "message": "Request timed out upstream"},
        "request_id": caught.value.request_id,
    }
    assert client.messages.count_tokens(model=MODEL, messages=HI).input_tokens > 0


def test_every_third_request_fails(fresh: MockServer, client: anthropic.Anthropic) -> None:
    fresh.inject(FaultRule(Fault.http_error(500), times=None, every=3))
    statuses = []
    for _ in range(6):
        try:
            client.messages.create(model=MODEL, max_tokens=10, messages=HI)
            statuses.append(200)
        except anthropic.InternalServerError as exc:
            statuses.append(exc.status_code)
    assert statuses == [200, 200, 500, 200, 200, 500]
    fresh.clear_faults()
    for _ in range(3):
        assert client.messages.create(model=MODEL, max_tokens=10, messages=HI).content


def test_faults_from_the_admin_api(fresh: MockServer, client: anthropic.Anthropic) -> None:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as admin:
        added = admin.post(
            "/faults", json={"status": 403, "message": "Key disabled", "name": "denied"}
        )
        assert added.status_code == 201
        assert added.json()["rule"]["fault"] == "HTTP 403"
        with pytest.raises(anthropic.PermissionDeniedError, match="Key disabled"):
            client.messages.create(model=MODEL, max_tokens=10, messages=HI)
        rules = admin.get("/faults").json()["rules"]
        assert [(r["name"], r["fired"], r["exhausted"]) for r in rules] == [("denied", 1, True)]
        refused = admin.post("/faults", json={"status": 529, "every": 0})
        assert refused.status_code == 400
        assert refused.json() == {"error": "every must be an integer >= 1"}
        assert admin.post("/faults", content=b"{nope").json() == {"error": "the body must be JSON"}
        assert admin.delete("/faults/denied").json() == {"removed": 1}
        assert admin.delete("/faults/denied").status_code == 404
        admin.post("/faults", json={"kind": "disconnect", "times": None})
        assert admin.delete("/faults").json() == {"removed": 1}
    assert client.messages.create(model=MODEL, max_tokens=10, messages=HI).content


def test_a_slowed_request_the_api_would_refuse_is_still_reported(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.latency(0.01)))
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="claude-3.5-sonnet", max_tokens=10, messages=HI)
    assert fresh.journal.last_call.rejected
    assert len(fresh.failures()) == 1
