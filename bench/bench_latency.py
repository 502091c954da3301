"""Does a long run stall? Tail latency of one sequential client, against a bare handler.

Run: python bench/bench_latency.py [--requests N] [--block B] [--only small|agent]

One client sends N requests one after another over a keep-alive connection to a
standalone mock (its default journal limits, so the journal fills and is trimmed as a
long run's is) and the same number to a bare aiohttp handler (bench/_servers.py), in
alternating blocks of B so both see the same load on the machine. It is done twice: with
small requests and with agent-sized ones (the ~120 KB Claude Code request of
`bench_throughput.py --large`: 24 tools, a 20-step tool loop). Every request's final turn
differs from the one before, so no memo answers a request whole.

Printed for each server: p50, p99, p99.9 and the maximum of the round trips, and the
mock's p99.9/p50 (the target: within 3x). A stall (the report folded in a batch, a long
garbage collection) shows in p99.9 and the maximum, not in the median. The client's own
garbage collector is paused while timing (collected between blocks): its pauses would
be counted against the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Callable

import aiohttp
import orjson
from _bodies import AGENT_HEADERS, HEADERS, SEED, SMALL, agent_tool_result_turn, varied
from _servers import BARE_SERVER, MOCK_SERVER, Server, running

TARGET = 3.0


# How to make request i's body, and the headers sent with it.
Kind = tuple[Callable[[int], bytes], dict[str, str]]


async def _block(
    session: aiohttp.ClientSession, server: Server, kind: Kind, first: int, n: int
) -> list[float]:
    """The round trips (seconds) of requests `first` … `first + n - 1`, sent in turn."""
    make, headers = kind
    times = []
    url = server.url + "/v1/messages"
    for i in range(first, first + n):
        raw = make(i)
        start = time.perf_counter()
        async with session.post(url, data=raw, headers=headers) as response:
            await response.read()
        times.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(f"{server.url} answered {response.status}: {await response.text()}")
    return times


async def _measure(
    mock: Server, bare: Server, kind: Kind, requests: int, block: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"mock": [], "bare": []}
    async with aiohttp.ClientSession() as session:
        # Warm-up: connections open, the servers' first-request work done.
        for server in (mock, bare):
            await _block(session, server, kind, requests, 20)
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            for first in range(0, requests, block):
                n = min(block, requests - first)
                for name, server in (("mock", mock), ("bare", bare)):
                    times[name] += await _block(session, server, kind, first, n)
                gc.collect()
        finally:
            gc.enable()
    return times


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _print(kind: str, times: dict[str, list[float]]) -> float:
    """Print a kind's figures; returns the mock's p99.9/p50."""
    print(f"{kind} requests ({len(times['mock'])} to each server), milliseconds:")
    print(f"  {'':12s} {'p50':>7s} {'p99':>7s} {'p99.9':>7s} {'max':>7s} {'p99.9/p50':>10s}")
    ratio = 0.0
    for name in ("bare", "mock"):
        ordered = sorted(times[name])
        p50, p99, p999 = (_quantile(ordered, q) for q in (0.5, 0.99, 0.999))
        ratio = p999 / p50
        figures = " ".join(f"{v * 1e3:7.2f}" for v in (p50, p99, p999, ordered[-1]))
        print(f"  {name:12s} {figures} {ratio:9.2f}x")
    mock_p50 = _quantile(sorted(times["mock"]), 0.5)
    bare_p50 = _quantile(sorted(times["bare"]), 0.5)
    print(f"  mock p50 / bare p50: {mock_p50 / bare_p50:.2f}x")
    print(f"  mock p99.9 / p50   : {ratio:.2f}x (target within {TARGET:.0f}x) ", end="")
    print("ok" if ratio <= TARGET else "OVER")
    return ratio


def _kinds() -> dict[str, Kind]:
    agent = agent_tool_result_turn()
    agent_headers = AGENT_HEADERS

    def small(i: int) -> bytes:
        return orjson.dumps(varied(SMALL, i, 1)[0])

    def agent_sized(i: int) -> bytes:
        return orjson.dumps(varied(agent, i, 1)[0])

    json_type = {"content-type": "application/json"}
    return {
        "small": (small, {**HEADERS, **json_type}),
        "agent": (agent_sized, {**agent_headers, **json_type}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--block", type=int, default=1_000)
    parser.add_argument("--only", choices=("small", "agent"), default=None)
    args = parser.parse_args()
    ratios: dict[str, float] = {}
    mock_args = ("--no-bundled", "--seed", SEED)
    for name, kind in _kinds().items():
        if args.only not in (None, name):
            continue
        # A fresh mock per kind: each run starts from an empty journal, as a new server does.
        with running(BARE_SERVER) as bare, running(MOCK_SERVER, *mock_args) as mock:
            times = asyncio.run(_measure(mock, bare, kind, args.requests, args.block))
        ratios[name] = _print(name, times)
    if any(ratio > TARGET for ratio in ratios.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
