"""Whole-request throughput of POST /v1/messages against a bare aiohttp handler.

Run: python bench/bench_throughput.py [--requests N] [--rounds R] [--large]

Both servers run in their own processes; one aiohttp client sends sequential keep-alive
requests to each in interleaved rounds, and the ratio of median requests per second is
printed. The baseline parses the JSON and returns a fixed Message; the mock does its whole
pipeline (headers, body, validation, rules, matching, accounting, journal).

Besides requests per second, each server's own CPU time per request (from /proc) is
compared: the wall-clock ratio swings with whatever else the machine does, the CPU one
much less. The default body is a small plain request. `--large` sends a ~120 KB Claude-Code-sized
one instead (bench_validation's: 24 tools, cached system blocks, a 20-step tool loop
whose thinking blocks carry signatures the seeded mock accepts), unstreamed so both
servers answer with one JSON Message.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import aiohttp
from _servers import BARE_SERVER, MOCK_SERVER, running
from bench_validation import BETAS, claude_code_request

from mockserver.signatures import Signer

SMALL_BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
HEADERS = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}
SEED = "bench-throughput"


def large_body() -> dict[str, Any]:
    """The Claude-Code-sized request, made one the mock answers with 200."""
    body = claude_code_request()
    body["stream"] = False
    # A 1h breakpoint may not follow a 5m one (tools → system → messages).
    body["system"][2]["cache_control"] = {"type": "ephemeral"}
    signer = Signer.from_seed(SEED)
    messages = body["messages"]
    for i, message in enumerate(messages):
        for block in message["content"] if message["role"] == "assistant" else ():
            if block["type"] == "thinking":
                # Signed as the server would have signed it when it wrote that turn.
                sign = signer.session({**body, "messages": messages[:i]})
                block["signature"] = sign.thinking(block["thinking"])
    return body


async def rate(url: str, n: int, body: dict[str, Any], headers: dict[str, str]) -> float:
    async with aiohttp.ClientSession() as session:
        for _ in range(20):  # warm-up
            async with session.post(url + "/v1/messages", json=body, headers=headers) as r:
                await r.read()
        start = time.perf_counter()
        for _ in range(n):
            async with session.post(url + "/v1/messages", json=body, headers=headers) as r:
                await r.read()
                assert r.status == 200, await r.text()
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--large", action="store_true", help="send a ~120 KB Claude-Code-sized request"
    )
    args = parser.parse_args()
    body, headers = SMALL_BODY, HEADERS
    if args.large:
        body, headers = large_body(), {**HEADERS, "anthropic-beta": ",".join(sorted(BETAS))}
    rates: dict[str, list[float]] = {"bare": [], "mock": []}
    cpu: dict[str, list[float]] = {"bare": [], "mock": []}
    mock_args = ("--no-bundled", "--seed", SEED)
    with running(BARE_SERVER) as bare, running(MOCK_SERVER, *mock_args) as mock:
        for _ in range(args.rounds):
            for name, server in (("bare", bare), ("mock", mock)):
                before = server.cpu_seconds()
                rates[name].append(asyncio.run(rate(server.url, args.requests, body, headers)))
                cpu[name].append((server.cpu_seconds() - before) / (args.requests + 20))
    b, m = statistics.median(rates["bare"]), statistics.median(rates["mock"])
    b_cpu, m_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["mock"])
    print(f"request body         : {'large (~120 KB)' if args.large else 'small'}")
    print(f"bare aiohttp handler : {b:8.0f} req/s  {b_cpu * 1e6:7.0f} us server CPU/request")
    print(f"mockserver           : {m:8.0f} req/s  {m_cpu * 1e6:7.0f} us server CPU/request")
    print(f"ratio (wall clock)   : {m / b:.2f}x  (target >= 0.80x; median of {args.rounds} rounds)")
    # Client and servers share the machine, so wall-clock rates swing with load; the
    # servers' own CPU per request is the steadier comparison of what each can serve.
    print(f"ratio (server CPU)   : {b_cpu / m_cpu:.2f}x")


if __name__ == "__main__":
    main()
