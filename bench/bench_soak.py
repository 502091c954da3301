"""Does a long-running server's memory level off? RSS over a day's worth of mixed traffic.

Run: python bench/bench_soak.py [--requests N] [--journal-max-mb MB]

One standalone server (its default journal limits unless told) answers N requests, a mix
of what clients send: small calls, 120 KB agent calls, streams, requests the schema
refuses, and fuzzed bodies (damaged bytes, deep nesting, many small values). The server's
resident memory is printed at intervals; at the end, the number of 5xx answers (must be
0) and whether the journal's count and held bytes are within their caps.
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
from _bodies import HEADERS, SEED, SMALL, agent_tool_result_turn, varied
from _servers import MOCK_SERVER, Server, running

from mockserver.report.held_size import held_size

JOURNAL_LIMIT = 10_000
CONCURRENCY = 8
SAMPLES = 10


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


async def run(server: Server, requests: int, max_bytes: int) -> None:
    rng = random.Random(15)
    agent = agent_tool_result_turn()
    kinds: list[tuple[int, Callable[[int, random.Random], bytes]]] = [
        (60, _small),
        (15, _streamed),
        (10, _invalid),
        (10, _fuzzed),
    ]
    weights = [w for w, _ in kinds] + [5]
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    start = time.perf_counter()
    every = max(1, requests // SAMPLES)
    headers = {**HEADERS, "content-type": "application/json"}
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
                print(f"{i + 1:9d} {took:8.1f} {rss_mb(server.pid):8.1f}", flush=True)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
        async with session.get(server.url + "/_mock/journal") as answer:
            journal = orjson.loads(await answer.read())
    held = sum(
        held_size(orjson.dumps(e["body"])) for e in journal["exchanges"] if e["body"] is not None
    )
    failed = sum(n for status, n in statuses.items() if status >= 500)
    print(f"statuses             : {dict(sorted(statuses.items()))}")
    print(f"5xx answers          : {failed} (must be 0)")
    # Trimming starts a tenth over each cap and goes back under it.
    count_ok = journal["count"] <= JOURNAL_LIMIT * 1.1
    bytes_ok = held <= max_bytes * 1.1
    print(f"journal count        : {journal['count']} (cap {JOURNAL_LIMIT}) {_ok(count_ok)}")
    print(f"journal held (est.)  : {held / 2**20:.1f} MB (cap {max_bytes / 2**20:.0f} MB) ", end="")
    print(_ok(bytes_ok))
    if failed or not (count_ok and bytes_ok):
        raise SystemExit(1)


def _ok(ok: bool) -> str:
    return "ok" if ok else "OVER"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--journal-max-mb", type=int, default=64)
    args = parser.parse_args()
    server_args = ("--no-bundled", "--seed", SEED, "--journal-max-mb", str(args.journal_max_mb))
    with running(MOCK_SERVER, *server_args) as server:
        asyncio.run(run(server, args.requests, args.journal_max_mb * 2**20))


if __name__ == "__main__":
    main()
