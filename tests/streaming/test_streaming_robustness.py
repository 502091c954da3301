"""Paced streams over HTTP: timing, pings on quiet streams, clients that leave, many at once."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, api_headers
from stream_support import (
    answer_with,
    assert_same_message,
    parse_sse,
    stream_and_create,
    wait_for_stream_end,
)

from mockserver.config import Config
from mockserver.scripting.reply import Reply
from mockserver.scripting.stream_plan import Pacing, StreamPlan
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
BODY = {"model": MODEL, "max_tokens": 256, "stream": True, "messages": HI}
# 67 characters: in 4-character deltas, 17 of them and 25 events in all.
GREETING = "Hello! This is mockserver, a local stand-in for the Anthropic API."


def paced(pacing: Pacing, text: str = GREETING) -> Reply:
    return Reply(content=({"type": "text", "text": text},), stream=StreamPlan(pacing=pacing))


def server_tasks(srv: MockServer) -> int:
    """Tasks alive on the server's loop (the caller's own probe excluded)."""
    loop = srv._loop
    assert loop is not None
    probe = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, len(asyncio.all_tasks(loop))), loop)
    return probe.result(timeout=5) - 1


def test_pacing_spends_time_to_first_token_then_tokens_at_the_rate(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    answer_with(fresh, paced(Pacing(first_token_delay=0.3, tokens_per_second=100, chunk_chars=8)))
    start = time.monotonic()
    with client.messages.stream(model=MODEL, max_tokens=256, messages=HI) as stream:
        first_text = next(iter(stream.text_stream))
        first_token_at = time.monotonic() - start
        streamed = stream.get_final_message()
    total = time.monotonic() - start
    plain = client.messages.create(model=MODEL, max_tokens=256, messages=HI)
    assert first_text == "Hello! T"
    assert 0.3 <= first_token_at < 1.5
    # 8-character deltas of 2 tokens: 18 tokens at 100 per second after the first.
    assert total >= 0.3 + 0.16
    assert_same_message(streamed, plain)


def test_a_quiet_stream_sends_pings(fresh: MockServer, http: httpx2.Client) -> None:
    answer_with(fresh, paced(Pacing(first_token_delay=0.45, ping_interval=0.1)))
    events = parse_sse(http.post("/v1/messages", json=BODY, headers=api_headers()).content)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    # The wait for the first token is broken by a ping every 0.1 s.
    assert 3 <= names[3:].count("ping") <= 5
    assert names[-1] == "message_stop"
    journaled = fresh.journal.messages()[-1]
    assert journaled.events_sent == len(events)
    assert [name for name, _ in journaled.response] == names


def test_a_client_leaving_mid_stream_costs_nothing(
    fresh: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer_with(fresh, paced(Pacing(tokens_per_second=20, chunk_chars=4)))
    caplog.set_level(logging.DEBUG)
    idle = server_tasks(fresh)
    with (
        httpx2.Client(base_url=fresh.base_url, timeout=10) as http,
        http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response,
    ):
        read = [line for line, _ in zip(response.iter_lines(), range(12), strict=False)]
    assert read[0] == "event: message_start"
    (exchange,) = wait_for_stream_end(fresh)
    assert exchange.interrupted
    # The client left after reading 4 of the 25 events.
    assert 4 <= exchange.events_sent < 25
    assert len(exchange.response) == exchange.events_sent
    deadline = time.monotonic() + 2
    while server_tasks(fresh) > idle and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server_tasks(fresh) == idle
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == []


def test_a_client_leaving_during_a_long_wait_is_noticed_at_once(
    fresh: MockServer, http: httpx2.Client
) -> None:
    answer_with(fresh, paced(Pacing(first_token_delay=60, ping_interval=30)))
    with http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response:
        assert next(response.iter_lines()) == "event: message_start"
    left = time.monotonic()
    (exchange,) = wait_for_stream_end(fresh)
    assert time.monotonic() - left < 1.0
    assert exchange.interrupted
    assert exchange.events_sent == 3


def test_two_hundred_concurrent_streams(
    fresh: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer_with(fresh, paced(Pacing(first_token_delay=0.2, tokens_per_second=400, chunk_chars=4)))
    caplog.set_level(logging.WARNING)

    async def one(session: aiohttp.ClientSession) -> list[str]:
        async with session.post("/v1/messages", json=BODY, headers=api_headers()) as response:
            assert response.status == 200
            return [name for name, _ in parse_sse(await response.read())]

    async def all_at_once() -> list[list[str]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(fresh.base_url, connector=connector) as session:
            return await asyncio.gather(*(one(session) for _ in range(200)))

    started = time.monotonic()
    streams = asyncio.run(all_at_once())
    # Each is paced to ~0.25 s; run together they take barely longer than one.
    assert time.monotonic() - started < 5
    assert all(names[-1] == "message_stop" for names in streams)
    assert len({len(names) for names in streams}) == 1
    journaled = wait_for_stream_end(fresh, count=200)
    assert len(journaled) == 200
    assert not any(e.interrupted for e in journaled)
    assert {e.events_sent for e in journaled} == {len(streams[0])}
    assert caplog.records == []


def test_jittered_streams_equal_the_plain_message(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    answer_with(fresh, paced(Pacing(tokens_per_second=2000, chunk_chars=3, jitter=0.5, seed=11)))
    streamed, plain = stream_and_create(client, model=MODEL, max_tokens=256, messages=HI)
    assert_same_message(streamed, plain)


def test_server_wide_pacing_applies_unless_a_step_brings_its_own() -> None:
    slow = Pacing(first_token_delay=0.4)
    with (
        MockServer(Config(port=0, stream_pacing=slow)) as srv,
        httpx2.Client(base_url=srv.base_url, timeout=10) as http,
    ):
        started = time.monotonic()
        http.post("/v1/messages", json=BODY, headers=api_headers())
        assert time.monotonic() - started >= 0.4
        answer_with(srv, paced(Pacing(chunk_chars=1)))
        started = time.monotonic()
        events = parse_sse(http.post("/v1/messages", json=BODY, headers=api_headers()).content)
        assert time.monotonic() - started < 0.3
        assert len(events) == len(GREETING) + 6


def test_stopping_the_server_ends_streams_in_flight_at_once() -> None:
    srv = MockServer(Config(port=0)).start()
    answer_with(srv, paced(Pacing(first_token_delay=60)))
    with (
        httpx2.Client(base_url=srv.base_url, timeout=10) as http,
        http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == "event: message_start"
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 1.0
        with pytest.raises(httpx2.RemoteProtocolError):
            list(lines)
