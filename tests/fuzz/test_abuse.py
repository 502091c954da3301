"""Abuse a client can put a server through: many streams at once, streams dropped midway,
a client too slow to read, YAML bombs and misuse through the admin API. Afterwards the
server answers as before and holds no more tasks or file descriptors than it did."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import aiohttp
import httpx2
import pytest
from fuzz_support import HEADERS, assert_healthy

from mockserver.config import Config
from mockserver.scripting.stream_plan import Pacing
from mockserver.server import MockServer

STREAM = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 200,
    "stream": True,
    "messages": [{"role": "user", "content": "tell me a long story"}],
}
_HEADERS = {**HEADERS, "anthropic-version": "2023-06-01"}
# 9^9 values if a YAML loader followed the aliases.
BOMB = "version: 1\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.fixture(scope="module")
def abused() -> Iterator[MockServer]:
    # Paced streams, so a dropped or slow client catches one mid-way.
    pacing = Pacing(first_token_delay=0.0, tokens_per_second=2_000.0, chunk_chars=8)
    with MockServer(Config(port=0, stream_pacing=pacing, journal_limit=500)) as server:
        yield server


def _fds() -> int:
    # The server runs in this process: its sockets are among these.
    return len(os.listdir("/proc/self/fd"))


def _tasks(server: MockServer) -> int:
    loop = server._loop
    assert loop is not None
    return asyncio.run_coroutine_threadsafe(_count_tasks(), loop).result(timeout=10)


async def _count_tasks() -> int:
    return len(asyncio.all_tasks())


def _settled(server: MockServer, fds: int, tasks: int) -> None:
    """Back to the baseline within a few seconds (closed connections finish on the loop)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _fds() <= fds + 2 and _tasks(server) <= tasks:
            return
        time.sleep(0.1)
    assert _fds() <= fds + 2, "file descriptors leaked"
    assert _tasks(server) <= tasks, "tasks leaked"


def _baseline(server: MockServer) -> tuple[int, int]:
    assert_healthy(server)
    return _fds(), _tasks(server)


async def _stream(session: aiohttp.ClientSession, url: str, *, drop_after: int | None) -> int:
    async with session.post(url, json=STREAM, headers=_HEADERS) as response:
        assert response.status == 200
        if drop_after is None:
            text = (await response.read()).decode()
            assert text.rstrip().endswith('data: {"type":"message_stop"}')
            return 1
        await response.content.readexactly(drop_after)
        response.close()  # the connection is cut mid-stream
        return 0


def test_two_hundred_concurrent_streams_all_finish(abused: MockServer) -> None:
    fds, tasks = _baseline(abused)

    async def run() -> int:
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:
            url = abused.base_url + "/v1/messages"
            done = await asyncio.gather(
                *(_stream(session, url, drop_after=None) for _ in range(200))
            )
            return sum(done)

    assert asyncio.run(asyncio.wait_for(run(), 120)) == 200
    _settled(abused, fds, tasks)
    assert_healthy(abused)


def test_five_hundred_streams_dropped_midway_leak_nothing(abused: MockServer) -> None:
    fds, tasks = _baseline(abused)
    before = len(abused.journal)

    async def run() -> None:
        connector = aiohttp.TCPConnector(limit=50, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            url = abused.base_url + "/v1/messages"
            await asyncio.gather(
                *(_stream(session, url, drop_after=200 + i % 300) for i in range(500))
            )

    asyncio.run(asyncio.wait_for(run(), 120))
    _settled(abused, fds, tasks)
    assert_healthy(abused)
    cut = [e for e in abused.journal.since(before) if e.streamed and e.interrupted]
    assert cut, "the server saw the clients go"


def test_a_client_that_reads_slowly_gets_the_whole_stream(abused: MockServer) -> None:
    fds, tasks = _baseline(abused)

    async def run() -> str:
        async with aiohttp.ClientSession() as session:
            url = abused.base_url + "/v1/messages"
            async with session.post(url, json=STREAM, headers=_HEADERS) as response:
                chunks = []
                for _ in range(2_000):  # bounded: the stream is far shorter
                    chunk = await response.content.read(64)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    await asyncio.sleep(0.002)
                return b"".join(chunks).decode()

    text = asyncio.run(asyncio.wait_for(run(), 60))
    assert 'data: {"type":"message_stop"}' in text
    _settled(abused, fds, tasks)


MISUSE = [
    ("POST", "/_mock/scenarios", BOMB, "application/yaml", 400),
    ("PUT", "/_mock/scenarios", BOMB, "application/yaml", 400),
    ("POST", "/_mock/scenarios", "version: 1\nsteps: " + "[" * 5_000, "application/yaml", 400),
    ("POST", "/_mock/scenarios", "\x00\xff not yaml", "application/yaml", 400),
    ("POST", "/_mock/scenarios", "{}", "text/plain", 415),
    ("POST", "/_mock/clock/advance", '{"seconds": 1e400}', "application/json", 400),
    ("POST", "/_mock/clock/advance", '{"seconds": "soon"}', "application/json", 400),
    ("PUT", "/_mock/strictness", '{"strictness": 5}', "application/json", 400),
    ("POST", "/_mock/faults", '{"nothing": true}', "application/json", 400),
    ("PUT", "/_mock/rate-limits", "[" * 2_000, "application/json", 400),
    # Nested deep enough for a recursive parser's stack (was a 500).
    ("PUT", "/_mock/strictness", "[" * 1_000 + "]" * 1_000, "application/json", 400),
    ("POST", "/_mock/clock/advance", "[" * 1_000 + "]" * 1_000, "application/json", 400),
    ("POST", "/_mock/faults", "[" * 1_000 + "]" * 1_000, "application/json", 400),
]


@pytest.mark.parametrize("case", range(len(MISUSE)))
def test_admin_misuse_is_refused_and_the_server_keeps_serving(
    abused: MockServer, case: int
) -> None:
    method, route, content, content_type, status = MISUSE[case]
    started = time.monotonic()
    answer = httpx2.request(
        method,
        abused.base_url + route,
        content=content.encode("utf-8", "surrogateescape"),
        headers={"content-type": content_type},
        timeout=30,
    )
    assert answer.status_code == status, answer.text[:500]
    assert time.monotonic() - started < 10
    assert_healthy(abused)
