"""Paced streams over HTTP: timing, pings on quiet streams, clients that leave, many at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import aiohttp
import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, TEST_KEY, api_headers
from stream_support import assert_same_message, parse_sse, stream_and_create, wait_for_stream_end

from mockserver.config import Config
from mockserver.server import MockServer
from mockserver.stream_plan import Pacing

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
BODY = {"model": MODEL, "max_tokens": 256, "stream": True, "messages": HI}


@dataclass
class PacedConfig(Config):
    # The server reads `stream_pacing` from its config when Config has it.
    stream_pacing: Pacing | None = None


PacedFactory = Callable[[Pacing], MockServer]


@pytest.fixture
def paced() -> Iterator[PacedFactory]:
    started: list[MockServer] = []

    def make(pacing: Pacing) -> MockServer:
        srv = MockServer(PacedConfig(port=0, stream_pacing=pacing)).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


def server_tasks(srv: MockServer) -> int:
    """Tasks alive on the server's loop (the caller's own probe excluded)."""
    loop = srv._loop
    assert loop is not None
    probe = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, len(asyncio.all_tasks(loop))), loop)
    return probe.result(timeout=5) - 1


def test_pacing_spends_time_to_first_token_then_tokens_at_the_rate(paced: PacedFactory) -> None:
    srv = paced(Pacing(first_token_delay=0.3, tokens_per_second=200, chunk_chars=8))
    client = anthropic.Anthropic(base_url=srv.base_url, api_key=TEST_KEY, max_retries=0)
    with client:
        start = time.monotonic()
        with client.messages.stream(model=MODEL, max_tokens=256, messages=HI) as stream:
            first_text = next(iter(stream.text_stream))
            first_token_at = time.monotonic() - start
            streamed = stream.get_final_message()
        total = time.monotonic() - start
        plain = client.messages.create(model=MODEL, max_tokens=256, messages=HI)
    assert first_text == "Hello! T"
    assert 0.3 <= first_token_at < 1.5
    # 67 characters in 8-character deltas of 2 tokens: 17 tokens at 200 per second.
    assert total >= 0.3 + 0.08
    assert_same_message(streamed, plain)


def test_a_quiet_stream_sends_pings(paced: PacedFactory) -> None:
    srv = paced(Pacing(first_token_delay=0.45, ping_interval=0.1))
    with httpx2.Client(base_url=srv.base_url, timeout=10) as http:
        events = parse_sse(http.post("/v1/messages", json=BODY, headers=api_headers()).content)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    # The wait for the first token is broken by a ping every 0.1 s.
    assert 3 <= names[3:].count("ping") <= 5
    assert names[-1] == "message_stop"
    journaled = srv.journal.messages()[-1]
    assert journaled.events_sent == len(events)
    assert [name for name, _ in journaled.response] == names


def test_a_client_leaving_mid_stream_costs_nothing(
    paced: PacedFactory, caplog: pytest.LogCaptureFixture
) -> None:
    srv = paced(Pacing(tokens_per_second=20, chunk_chars=4))
    caplog.set_level(logging.DEBUG)
    idle = server_tasks(srv)
    with (
        httpx2.Client(base_url=srv.base_url, timeout=10) as http,
        http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response,
    ):
        read = [line for line, _ in zip(response.iter_lines(), range(12), strict=False)]
    assert read[0] == "event: message_start"
    (exchange,) = wait_for_stream_end(srv)
    assert exchange.interrupted
    # 67 characters in 4-character deltas make 25 events; the client left after 4.
    assert 4 <= exchange.events_sent < 25
    assert len(exchange.response) == exchange.events_sent
    deadline = time.monotonic() + 2
    while server_tasks(srv) > idle and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server_tasks(srv) == idle
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == []


def test_a_client_leaving_during_a_long_wait_is_noticed_at_once(paced: PacedFactory) -> None:
    srv = paced(Pacing(first_token_delay=60, ping_interval=30))
    with httpx2.Client(base_url=srv.base_url, timeout=10) as http:
        with http.stream("POST", "/v1/messages", json=BODY, headers=api_headers()) as response:
            assert next(response.iter_lines()) == "event: message_start"
        left = time.monotonic()
    (exchange,) = wait_for_stream_end(srv)
    assert time.monotonic() - left < 1.0
    assert exchange.interrupted
    assert exchange.events_sent == 3


def test_two_hundred_concurrent_streams(
    paced: PacedFactory, caplog: pytest.LogCaptureFixture
) -> None:
    srv = paced(Pacing(first_token_delay=0.2, tokens_per_second=400, chunk_chars=4))
    caplog.set_level(logging.WARNING)

    async def one(session: aiohttp.ClientSession) -> list[str]:
        async with session.post("/v1/messages", json=BODY, headers=api_headers()) as response:
            assert response.status == 200
            return [name for name, _ in parse_sse(await response.read())]

    async def all_at_once() -> list[list[str]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(srv.base_url, connector=connector) as session:
            return await asyncio.gather(*(one(session) for _ in range(200)))

    started = time.monotonic()
    streams = asyncio.run(all_at_once())
    # Paced at ~0.3 s each; run together they take barely longer than one.
    assert time.monotonic() - started < 5
    assert all(names[-1] == "message_stop" for names in streams)
    assert len({len(names) for names in streams}) == 1
    journaled = [e for e in srv.journal.messages() if e.streamed]
    assert len(journaled) == 200
    assert not any(e.interrupted for e in journaled)
    assert {e.events_sent for e in journaled} == {len(streams[0])}
    assert caplog.records == []


def test_paced_streams_equal_the_plain_message(paced: PacedFactory) -> None:
    srv = paced(Pacing(tokens_per_second=2000, chunk_chars=3, jitter=0.5, seed=11))
    with anthropic.Anthropic(base_url=srv.base_url, api_key=TEST_KEY, max_retries=0) as client:
        streamed, plain = stream_and_create(client, model=MODEL, max_tokens=256, messages=HI)
    assert_same_message(streamed, plain)
