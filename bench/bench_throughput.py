"""Whole-request throughput of POST /v1/messages against a bare aiohttp handler.

Run: python bench/bench_throughput.py [--requests N] [--rounds R] [--large] [--bundled]

Both servers run in their own processes; one aiohttp client sends sequential keep-alive
requests to each in interleaved rounds (which goes first alternates), and the median over
rounds of each round's ratio of requests per second is printed, with its range. The
baseline parses the JSON and returns a fixed Message; the mock does its whole pipeline
(headers, body, validation, rules, matching, accounting, journal). Each request's final
user turn carries a counter, so no two bodies are the same (as a client's calls are
not) and no memo of the mock's can answer one from an earlier identical request.

Besides requests per second, each server's own CPU time per request (from /proc) is
compared: the wall-clock ratio swings with whatever else the machine does, the CPU one
much less. The default body is a small plain request. `--large` sends a ~120 KB
Claude-Code-sized one instead (bench_validation's: 24 tools, cached system blocks, a
20-step tool loop whose thinking blocks carry signatures the seeded mock accepts),
unstreamed so both servers answer with one JSON Message. The mock runs without its
bundled example scenarios (the pipeline alone) unless `--bundled` asks for the server as
`python -m mockserver` starts it: then every request is also matched against them.
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

from mockserver.signing.signer import Signer

SMALL_BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
HEADERS = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}
SEED = "bench-throughput"
WARM_UP = 20


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


def varied(body: dict[str, Any], first: int, n: int) -> list[dict[str, Any]]:
    """`n` copies of the body whose final user turn differs each time, as a client's calls
    do (identical bodies would let the mock's memos answer everything from the first)."""
    bodies = []
    for i in range(first, first + n):
        copy = {**body, "messages": [*body["messages"]]}
        last = dict(copy["messages"][-1])
        if isinstance(last["content"], str):
            last["content"] = f"{last['content']} (call {i})"
        else:  # the agent request's final turn: a tool_result whose output changes
            result = dict(last["content"][0])
            first = dict(result["content"][0])
            first["text"] = f"(call {i}) {first['text']}"
            result["content"] = [first, *result["content"][1:]]
            last["content"] = [result, *last["content"][1:]]
        copy["messages"][-1] = last
        bodies.append(copy)
    return bodies


async def rate(url: str, bodies: list[dict[str, Any]], headers: dict[str, str]) -> float:
    async with aiohttp.ClientSession() as session:
        for body in bodies[:WARM_UP]:
            async with session.post(url + "/v1/messages", json=body, headers=headers) as r:
                await r.read()
        start = time.perf_counter()
        for body in bodies[WARM_UP:]:
            async with session.post(url + "/v1/messages", json=body, headers=headers) as r:
                await r.read()
                assert r.status == 200, await r.text()
        return (len(bodies) - WARM_UP) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--large", action="store_true", help="send a ~120 KB Claude-Code-sized request"
    )
    parser.add_argument(
        "--bundled",
        action="store_true",
        help="the mock with its bundled example scenarios, as `python -m mockserver` starts",
    )
    args = parser.parse_args()
    body, headers = SMALL_BODY, HEADERS
    if args.large:
        body, headers = large_body(), {**HEADERS, "anthropic-beta": ",".join(sorted(BETAS))}
    rates: dict[str, list[float]] = {"bare": [], "mock": []}
    cpu: dict[str, list[float]] = {"bare": [], "mock": []}
    mock_args = ("--seed", SEED) if args.bundled else ("--no-bundled", "--seed", SEED)
    with running(BARE_SERVER) as bare, running(MOCK_SERVER, *mock_args) as mock:
        for round_ in range(args.rounds):
            # Fresh bodies each round, the same for both servers; which goes first alternates.
            bodies = varied(body, round_ * (args.requests + WARM_UP), args.requests + WARM_UP)
            pair = [("bare", bare), ("mock", mock)]
            for name, server in pair if round_ % 2 == 0 else reversed(pair):
                before = server.cpu_seconds()
                rates[name].append(asyncio.run(rate(server.url, bodies, headers)))
                cpu[name].append((server.cpu_seconds() - before) / len(bodies))
    # Each round's two runs are minutes apart at most: the ratio within a round is steadier
    # than a ratio of medians taken over rounds the machine's other load may differ between.
    wall = sorted(m / b for b, m in zip(rates["bare"], rates["mock"], strict=True))
    work = sorted(b / m for b, m in zip(cpu["bare"], cpu["mock"], strict=True))
    b, m = statistics.median(rates["bare"]), statistics.median(rates["mock"])
    b_cpu, m_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["mock"])
    print(f"request body         : {'large (~120 KB)' if args.large else 'small'}")
    print(f"bare aiohttp handler : {b:8.0f} req/s  {b_cpu * 1e6:7.0f} us server CPU/request")
    name = "mockserver (bundled)" if args.bundled else "mockserver"
    print(f"{name:21s}: {m:8.0f} req/s  {m_cpu * 1e6:7.0f} us server CPU/request")
    print(
        f"ratio (wall clock)   : {statistics.median(wall):.2f}x  (target >= 0.80x; median of "
        f"{args.rounds} rounds, {wall[0]:.2f}-{wall[-1]:.2f})"
    )
    # Client and servers share the machine, so wall-clock rates swing with load; the
    # servers' own CPU per request is the steadier comparison of what each can serve.
    print(f"ratio (server CPU)   : {statistics.median(work):.2f}x  ({work[0]:.2f}-{work[-1]:.2f})")


if __name__ == "__main__":
    main()
