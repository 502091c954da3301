"""Does a long-running server keep its speed? Throughput late in a run against its start.

Run: python bench/bench_long_run.py [--requests N] [--window W]

One standalone server (its default journal limits) answers N small requests, each with a
user text of its own, as a day of a client's calls would be. The requests per second and
server CPU per request of the last W requests are compared with the first W after warm-up:
a memo, journal or cache whose upkeep grows with what it holds shows as a ratio below 1.
The default N outlasts the server's per-text memos (16,384 texts, two a request) and its
journal's 10,000-exchange limit.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
from _bodies import HEADERS, SMALL, varied
from _servers import MOCK_SERVER, Server, running

BATCH = 1000


async def _window(session: aiohttp.ClientSession, url: str, first: int, n: int) -> float:
    """Seconds to send `n` varied requests, one after another."""
    start = time.perf_counter()
    for body in varied(SMALL, first, n):
        async with session.post(url + "/v1/messages", json=body, headers=HEADERS) as response:
            await response.read()
            assert response.status == 200, await response.text()
    return time.perf_counter() - start


async def run(server: Server, requests: int, window: int) -> tuple[float, float, float, float]:
    """(req/s, CPU s/request) of the first and of the last window."""
    async with aiohttp.ClientSession() as session:
        await _window(session, server.url, 0, 200)  # warm-up
        cpu = server.cpu_seconds()
        early = window / await _window(session, server.url, 200, window)
        early_cpu = (server.cpu_seconds() - cpu) / window
        sent = 200 + window
        while sent < requests - window:
            n = min(BATCH, requests - window - sent)
            await _window(session, server.url, sent, n)
            sent += n
        cpu = server.cpu_seconds()
        late = window / await _window(session, server.url, sent, window)
        late_cpu = (server.cpu_seconds() - cpu) / window
    return early, early_cpu, late, late_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=45_000)
    parser.add_argument("--window", type=int, default=2_000)
    args = parser.parse_args()
    with running(MOCK_SERVER, "--no-bundled", "--seed", "bench-long-run") as server:
        early, early_cpu, late, late_cpu = asyncio.run(run(server, args.requests, args.window))
    print(f"requests             : {args.requests} (windows of {args.window})")
    for name, rate, cpu in (("first", early, early_cpu), ("last", late, late_cpu)):
        print(f"{name + ' window':21s}: {rate:8.0f} req/s  {cpu * 1e6:7.0f} us server CPU/request")
    print(f"ratio last/first     : {late / early:.2f}x wall clock, {early_cpu / late_cpu:.2f}x CPU")


if __name__ == "__main__":
    main()
