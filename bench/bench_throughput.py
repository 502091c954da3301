"""Whole-request throughput of POST /v1/messages against a bare aiohttp handler.

Run: python bench/bench_throughput.py [--requests N] [--rounds R]

Both servers run in their own processes; one aiohttp client sends sequential keep-alive
requests to each in interleaved rounds, and the ratio of median requests per second is
printed. The baseline parses the JSON and returns a fixed Message; the mock does its whole
pipeline (headers, body, validation, rules, matching, accounting, journal).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import aiohttp
from _servers import BARE_SERVER, MOCK_SERVER, running

BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
HEADERS = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}


async def rate(url: str, n: int) -> float:
    async with aiohttp.ClientSession() as session:
        for _ in range(20):  # warm-up
            async with session.post(url + "/v1/messages", json=BODY, headers=HEADERS) as r:
                await r.read()
        start = time.perf_counter()
        for _ in range(n):
            async with session.post(url + "/v1/messages", json=BODY, headers=HEADERS) as r:
                await r.read()
                assert r.status == 200, await r.text()
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bare: list[float] = []
    mock: list[float] = []
    with running(BARE_SERVER) as bare_url, running(MOCK_SERVER, "--no-bundled") as mock_url:
        for _ in range(args.rounds):
            bare.append(asyncio.run(rate(bare_url, args.requests)))
            mock.append(asyncio.run(rate(mock_url, args.requests)))
    b, m = statistics.median(bare), statistics.median(mock)
    print(f"bare aiohttp handler : {b:8.0f} req/s (median of {args.rounds})")
    print(f"mockserver           : {m:8.0f} req/s")
    print(f"ratio                : {m / b:.2f}x  (target >= 0.80x)")


if __name__ == "__main__":
    main()
