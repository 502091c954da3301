"""Whole-request throughput of POST /v1/messages against a bare aiohttp handler.

Run: python bench/bench_throughput.py [--case NAME ...] [--rounds R] [--requests N] [--bundled]

Cases (all by default; `--case` picks some, repeatable):
- small: a one-line user turn;
- agent-first: an agent's ~120 KB first turn (24 tools, cached system blocks, the user's
  request under the harness's reminders); the default reply calls one of the tools;
- agent-tool-result: an agent's ~120 KB turn ending with a tool_result, 20 steps into
  its tool loop, the thinking of each step signed;
- agent-varied: ~100-115 KB agent turns of which no two share their tools, system prompt
  or history, so no memo of the mock's can answer any part of one whole.
(`_bodies` builds them.) Each request of a case differs from the one before in its final
user turn at least, as a client's calls do: identical bodies would let the mock's memos
answer everything from the first.

Both servers run in their own processes; one aiohttp client sends sequential keep-alive
requests to each in interleaved rounds (which goes first alternates), every case in every
round, and for each case the median over rounds of each round's ratio of requests per
second is printed, with its range. The baseline parses the JSON and returns a fixed
Message; the mock does its whole pipeline (headers, body, validation, rules, matching,
accounting, journal). Each server's own CPU time per request (from /proc) is compared
too: the wall-clock ratio swings with whatever else the machine does, the CPU one much
less. The mock runs without its bundled example scenarios (the pipeline alone) unless
`--bundled` asks for the server as `python -m mockserver` starts it: then every request
is also matched against them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import aiohttp
from _bodies import (
    AGENT_HEADERS,
    HEADERS,
    SEED,
    SMALL,
    agent_first_turn,
    agent_tool_result_turn,
    agent_turn_unlike_any,
    varied,
)
from _servers import BARE_SERVER, MOCK_SERVER, Server, running

from mockserver.signing.signer import Signer

WARM_UP = 20


class Case(NamedTuple):
    # Bodies numbered first..first+n-1, the same for both servers within a round.
    bodies: Callable[[int, int], list[dict[str, Any]]]
    headers: dict[str, str]
    requests: int
    target: float | None


def cases() -> dict[str, Case]:
    first_turn, tool_result = agent_first_turn(), agent_tool_result_turn()
    signer = Signer.from_seed(SEED)

    def unlike(first: int, n: int) -> list[dict[str, Any]]:
        return [agent_turn_unlike_any(i, signer) for i in range(first, first + n)]

    return {
        "small": Case(lambda f, n: varied(SMALL, f, n), HEADERS, 600, 0.6),
        "agent-first": Case(lambda f, n: varied(first_turn, f, n), AGENT_HEADERS, 200, 0.5),
        "agent-tool-result": Case(lambda f, n: varied(tool_result, f, n), AGENT_HEADERS, 200, None),
        "agent-varied": Case(unlike, AGENT_HEADERS, 100, None),
    }


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


async def calls_a_tool(url: str, body: dict[str, Any], headers: dict[str, str]) -> bool:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/messages", json=body, headers=headers) as r,
    ):
        message = await r.json()
        assert r.status == 200, message
    return any(block["type"] == "tool_use" for block in message["content"])


class Figures(NamedTuple):
    rate: float  # requests per second
    cpu: float  # server CPU seconds per request


def measure(server: Server, bodies: list[dict[str, Any]], headers: dict[str, str]) -> Figures:
    before = server.cpu_seconds()
    per_second = asyncio.run(rate(server.url, bodies, headers))
    return Figures(per_second, (server.cpu_seconds() - before) / len(bodies))


def report(name: str, case: Case, bare: list[Figures], mock: list[Figures]) -> None:
    # Each round's two runs are seconds apart: the ratio within a round is steadier than a
    # ratio of medians taken over rounds the machine's other load may differ between.
    wall = sorted(m.rate / b.rate for b, m in zip(bare, mock, strict=True))
    work = sorted(b.cpu / m.cpu for b, m in zip(bare, mock, strict=True))
    b_rate, m_rate = (statistics.median(f.rate for f in run) for run in (bare, mock))
    b_cpu, m_cpu = (statistics.median(f.cpu for f in run) * 1e6 for run in (bare, mock))
    target = f">= {case.target:.1f}x" if case.target else "-"
    print(
        f"{name:18s} {b_rate:7.0f} {m_rate:7.0f}  {statistics.median(wall):5.2f}x "
        f"({wall[0]:.2f}-{wall[-1]:.2f})  {b_cpu:6.0f} {m_cpu:6.0f}  "
        f"{statistics.median(work):5.2f}x ({work[0]:.2f}-{work[-1]:.2f})  {target}"
    )


def main() -> None:
    every = cases()
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", action="append", choices=sorted(every), help="repeatable")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--requests", type=int, help="per case and round (default: 600 small, 200 or 100 agent)"
    )
    parser.add_argument(
        "--bundled",
        action="store_true",
        help="the mock with its bundled example scenarios, as `python -m mockserver` starts",
    )
    args = parser.parse_args()
    chosen = {name: every[name] for name in args.case or every}
    figures: dict[str, dict[str, list[Figures]]] = {
        name: {"bare": [], "mock": []} for name in chosen
    }
    mock_args = ("--seed", SEED) if args.bundled else ("--no-bundled", "--seed", SEED)
    with running(BARE_SERVER) as bare, running(MOCK_SERVER, *mock_args) as mock:
        if "agent-first" in chosen:
            first = chosen["agent-first"]
            assert asyncio.run(calls_a_tool(mock.url, first.bodies(-1, 1)[0], first.headers))
        for round_ in range(args.rounds):
            for name, case in chosen.items():
                count = (args.requests or case.requests) + WARM_UP
                # Fresh bodies each round, the same for both servers; who goes first alternates.
                bodies = case.bodies(round_ * count, count)
                pair = [("bare", bare), ("mock", mock)]
                for who, server in pair if round_ % 2 == 0 else reversed(pair):
                    figures[name][who].append(measure(server, bodies, case.headers))
    print(
        f"mockserver{' (bundled examples)' if args.bundled else ''} against a bare aiohttp "
        f"handler; medians of {args.rounds} interleaved rounds, (range)"
    )
    print(
        f"{'case':18s} {'bare':>7s} {'mock':>7s}  {'req/s ratio':>20s}  "
        f"{'CPU us/req':>13s}  {'CPU ratio':>17s}  target"
    )
    for name, case in chosen.items():
        report(name, case, figures[name]["bare"], figures[name]["mock"])


if __name__ == "__main__":
    main()
