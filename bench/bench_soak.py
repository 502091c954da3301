"""Does a long-running server's memory level off? RSS over a day's worth of mixed traffic.

Run: python bench/bench_soak.py [--requests N] [--agent-requests N] [--journal-max-mb MB]

One standalone server (its default journal limits unless told) answers N requests, a mix
of what clients send: small calls, 120 KB agent calls, streams, requests the schema
refuses, and fuzzed bodies (damaged bytes, deep nesting, many small values). The server's
resident memory is printed at intervals; at the end, the number of 5xx answers (must be
0) and whether the journal's count and held bytes are within their caps. Then a fresh
server answers N agent calls only (each with a tool result of its own), the traffic that
fills the journal's byte cap and the memos fastest, and its memory is printed likewise.

"Flat": the RSS at the end is within FLAT (5%) of the RSS halfway through; the journal and
the memos are full well before halfway (the journal after ~500 agent calls or 10,000
exchanges), so growth over the second half is memory nothing bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from _bodies import AGENT_HEADERS, HEADERS, SEED, SMALL, agent_tool_result_turn, varied
from _servers import MOCK_SERVER, Server, running

from mockserver.report.journal import RECORD_BYTES

JOURNAL_LIMIT = 10_000
CONCURRENCY = 8
SAMPLES = 10
FLAT = 0.05


def _small(i: int, _: random.Random) -> bytes:
    return orjson.dumps(varied(SMALL, i, 1)[0])


def _streamed(i: int, _: random.Random) -> bytes:
    return orjson.dumps({**varied(SMALL, i, 1)[0], "stream": True})


def _invalid(i: int, rng: random.Random) -> bytes:
    body: dict[str, Any] = {**SMALL, "max_tokens": rng.choice(["many", -1, None])}
    body["note"] = i
    return orjson.dumps(body)


def _fuzzed(i: int, rng: random.Random) -> bytes:
    raw = orjson.dumps(varied(SMALL, i, 1)[0])
    kind = rng.randrange(4)
    if kind == 0:  # damaged bytes
        at = rng.randrange(len(raw))
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :]
    if kind == 1:  # nested as deep as the parser allows
        return b'{"model":"claude-sonnet-4-6","messages":' + b"[" * 1000 + b"]" * 1000 + b"}"
    if kind == 2:  # many small values: the shape that holds most memory per byte
        return orjson.dumps({**SMALL, "messages": [{}] * rng.randrange(100, 1_000)})
    return raw[: rng.randrange(len(raw))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(server: Server, requests: int, max_bytes: int, *, agent_only: bool) -> bool:
    """Send the requests; print RSS as they go and the checks at the end (True: all hold)."""
    rng = random.Random(15)
    agent = agent_tool_result_turn()
    kinds: list[tuple[int, Callable[[int, random.Random], bytes]]] = [
        (60, _small),
        (15, _streamed),
        (10, _invalid),
        (10, _fuzzed),
    ]
    weights = [0] * len(kinds) + [1] if agent_only else [w for w, _ in kinds] + [5]
    samples: dict[int, float] = {}
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    start = time.perf_counter()
    every = max(1, requests // SAMPLES)
    headers = {**(AGENT_HEADERS if agent_only else HEADERS), "content-type": "application/json"}
    print(f"{'requests':>9s} {'seconds':>8s} {'RSS MB':>8s}")
    print(f"{0:9d} {0.0:8.1f} {rss_mb(server.pid):8.1f}")

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            choice = rng.choices(range(len(weights)), weights)[0]
            if choice == len(kinds):
                raw = orjson.dumps(varied(agent, i, 1)[0])
            else:
                raw = kinds[choice][1](i, rng)
            async with session.post(
                server.url + "/v1/messages", data=raw, headers=headers
            ) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if (i + 1) % every == 0:
                took = time.perf_counter() - start
                samples[i + 1] = rss = rss_mb(server.pid)
                print(f"{i + 1:9d} {took:8.1f} {rss:8.1f}", flush=True)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
        async with session.get(server.url + "/_mock/journal") as answer:
            journal = orjson.loads(await answer.read())
    largest = RECORD_BYTES + len(orjson.dumps(agent))
    return _checks(statuses, journal, samples, requests, cap=max_bytes, slack=largest)


def _checks(
    statuses: dict[int, int],
    journal: dict[str, Any],
    samples: dict[int, float],
    requests: int,
    *,
    cap: int,
    slack: int,
) -> bool:
    """Print the checks (`slack`: the largest exchange); True if all hold."""
    # What the journal counts each exchange as holding: its body's bytes (kept as sent:
    # this client sends orjson's encoding, which the journal's JSON gives back) and its record.
    held = sum(
        RECORD_BYTES + (0 if e["body"] is None else len(orjson.dumps(e["body"])))
        for e in journal["exchanges"]
    )
    failed = sum(n for status, n in statuses.items() if status >= 500)
    print(f"statuses             : {dict(sorted(statuses.items()))}")
    print(f"5xx answers          : {failed} (must be 0)")
    # Trimmed a thousandth over each cap, after a response: at most one exchange more.
    count_ok = journal["count"] <= JOURNAL_LIMIT * 1.001 + 1
    bytes_ok = held <= cap * 1.001 + slack
    print(f"journal count        : {journal['count']} (cap {JOURNAL_LIMIT}) {_ok(count_ok)}")
    print(f"journal held         : {held / 2**20:.1f} MB (cap {cap / 2**20:.0f} MB) ", end="")
    print(_ok(bytes_ok))
    ordered = sorted(samples)
    half = samples[min(ordered, key=lambda n: abs(n - requests // 2))]
    end = samples[ordered[-1]]
    flat = end <= half * (1 + FLAT)
    growth = (end / half - 1) * 100
    print(f"RSS halfway -> end   : {half:.1f} -> {end:.1f} MB ({growth:+.1f}%; ", end="")
    print(f"flat: within {FLAT * 100:.0f}%) {_ok(flat)}")
    return not failed and count_ok and bytes_ok and flat


def _ok(ok: bool) -> str:
    return "ok" if ok else "OVER"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--agent-requests", type=int, default=50_000)
    parser.add_argument("--journal-max-mb", type=int, default=64)
    args = parser.parse_args()
    server_args = ("--no-bundled", "--seed", SEED, "--journal-max-mb", str(args.journal_max_mb))
    cap = args.journal_max_mb * 2**20
    ok = True
    for agent_only, requests in ((False, args.requests), (True, args.agent_requests)):
        if not requests:
            continue
        print(f"--- {requests} {'agent' if agent_only else 'mixed'} requests, a fresh server")
        with running(MOCK_SERVER, *server_args) as server:
            ok &= asyncio.run(run(server, requests, cap, agent_only=agent_only))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
