"""Streams per second for a 100-event reply, against bare aiohttp handlers writing 100 frames.

Run: python bench/bench_streaming.py [--streams N] [--concurrency C] [--rounds R]

Every server runs in its own process. The mock answers `stream: true` through its whole
pipeline (headers, body, validation, matching, accounting, journal) with a scenario reply
that streams as exactly 100 events. The baselines parse the JSON body and write 100
pre-built text-delta frames:
- event by event: one write a frame, as the mock writes a paced stream;
- all at once: the 100 frames in one write, as the mock writes an unpaced stream;
- paced: one write a frame, after a moment's wait before each delta (6 ns: a timer and a
  turn of the event loop), against a mock started with `--tokens-per-second 1e9`, which
  waits as long before each delta and so writes its stream event by event.
One aiohttp client reads every stream to its end, with C streams in flight, in
interleaved rounds (the order rotates each round); each round's ratios are taken, and
their median and range printed.
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


def ratios(rates: dict[str, list[float]], mock: str, baseline: str) -> str:
    each = sorted(m / b for m, b in zip(rates[mock], rates[baseline], strict=True))
    return f"{statistics.median(each):.2f}x ({each[0]:.2f}-{each[-1]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {}
    events: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "bench.yaml"
        scenario.write_text(SCENARIO)
        mock_args = ("--no-bundled", "--scenarios", str(scenario))
        with (
            running(BARE_SERVER) as bare,
            running(BARE_ONE_WRITE) as batched,
            running(MOCK_SERVER, *mock_args) as mock,
            running(MOCK_SERVER, *mock_args, "--tokens-per-second", "1e9") as paced,
        ):
            urls = {
                "bare, event by event": bare.url + "/sse",
                "bare, all at once": batched.url + "/sse",
                "bare, paced": bare.url + "/sse-paced",
                "mockserver": mock.url + "/v1/messages",
                "mockserver, paced": paced.url + "/v1/messages",
            }
            names = list(urls)
            for round_ in range(args.rounds):
                shift = round_ % len(names)
                for name in names[shift:] + names[:shift]:
                    rate_, events[name] = asyncio.run(
                        rate(urls[name], args.streams, args.concurrency)
                    )
                    rates.setdefault(name, []).append(rate_)
    print(
        f"{args.streams} streams a round, {args.concurrency} in flight; medians of "
        f"{args.rounds} rounds"
    )
    for name in names:
        print(
            f"{name:22s}: {statistics.median(rates[name]):7.0f} streams/s  ({events[name]} events)"
        )
    print(
        f"mockserver / bare event by event : {ratios(rates, 'mockserver', 'bare, event by event')}"
        "  (target >= 0.80x)"
    )
    print(f"mockserver / bare all at once    : {ratios(rates, 'mockserver', 'bare, all at once')}")
    print(
        f"paced mockserver / paced bare    : {ratios(rates, 'mockserver, paced', 'bare, paced')}"
        "  (target >= 0.80x)"
    )
    print(
        "paced mockserver / bare event by event : "
        f"{ratios(rates, 'mockserver, paced', 'bare, event by event')}"
    )


if __name__ == "__main__":
    main()
