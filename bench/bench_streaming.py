"""Streams per second for a 100-event reply, against a bare aiohttp handler writing 100 frames.

Run: python bench/bench_streaming.py [--streams N] [--concurrency C] [--rounds R]

Both servers run in their own processes. The mock answers `stream: true` through its
whole pipeline (headers, body, validation, matching, accounting, journal) with a scenario
reply that streams as exactly 100 events; the baseline parses the JSON body and writes
100 pre-built text-delta frames, one write each. One aiohttp client reads every stream to
its end, with C streams in flight, in interleaved rounds; the ratio of median rates is
printed. For reference, a second bare handler writes the same 100 frames in one write
(the mock writes an unpaced stream in one write too).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from _servers import BARE_SERVER, MOCK_SERVER, running

# message_start, content_block_start, ping, 94 text deltas of 24 characters,
# content_block_stop, message_delta, message_stop: 100 events.
DELTAS = 94
TEXT = ("The quick brown fox jum. " * DELTAS)[: 24 * DELTAS]
SCENARIO = f"""version: 1
name: bench-stream
rules:
  - reply:
      text: "{TEXT}"
"""
BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 4096,
    "stream": True,
    "messages": [{"role": "user", "content": "Tell me about foxes."}],
}
HEADERS = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}

BARE_ONE_WRITE = r"""
import sys
from aiohttp import web
FRAME = (b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
         b'"delta":{"type":"text_delta","text":"hello "}}\n\n')
async def sse(request):
    await request.json()
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    await response.write_eof(FRAME * 100)
    return response
app = web.Application()
app.router.add_post("/sse", sse)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def one_stream(session: aiohttp.ClientSession, url: str) -> int:
    async with session.post(url, json=BODY, headers=HEADERS) as response:
        body = await response.read()
        assert response.status == 200, body[:300]
    return body.count(b"\nevent: ") + body.startswith(b"event: ")


async def rate(url: str, streams: int, concurrency: int) -> tuple[float, int]:
    """Streams per second, and the events in one stream."""
    async with aiohttp.ClientSession() as session:
        events = await one_stream(session, url)
        for _ in range(20):  # warm-up
            await one_stream(session, url)
        queue = iter(range(streams))

        async def worker() -> None:
            for _ in queue:
                await one_stream(session, url)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return streams / (time.perf_counter() - start), events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bare: list[float] = []
    batched: list[float] = []
    mock: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "bench.yaml"
        scenario.write_text(SCENARIO)
        with (
            running(BARE_SERVER) as bare_server,
            running(BARE_ONE_WRITE) as batched_server,
            running(MOCK_SERVER, "--no-bundled", "--scenarios", str(scenario)) as mock_server,
        ):
            for _ in range(args.rounds):
                bare_rate, bare_events = asyncio.run(
                    rate(bare_server.url + "/sse", args.streams, args.concurrency)
                )
                mock_rate, mock_events = asyncio.run(
                    rate(mock_server.url + "/v1/messages", args.streams, args.concurrency)
                )
                batched_rate, _ = asyncio.run(
                    rate(batched_server.url + "/sse", args.streams, args.concurrency)
                )
                bare.append(bare_rate)
                batched.append(batched_rate)
                mock.append(mock_rate)
    b, m, o = statistics.median(bare), statistics.median(mock), statistics.median(batched)
    print(f"events per stream       : mock {mock_events}, bare {bare_events}")
    print(f"bare, a write per frame : {b:8.0f} streams/s (median of {args.rounds})")
    print(f"bare, one write         : {o:8.0f} streams/s")
    print(f"mockserver              : {m:8.0f} streams/s")
    print(f"ratio                   : {m / b:.2f}x  (target >= 0.80x)")
    print(f"ratio to one write      : {m / o:.2f}x")


if __name__ == "__main__":
    main()
