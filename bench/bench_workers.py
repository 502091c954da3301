"""Requests per second with `--workers 2` against one worker, beside the same for one and
two bare aiohttp processes.

Run: python bench/bench_workers.py [--requests N] [--rounds R] [--connections C] [--keys K]
                                   [--fresh]

Four servers run side by side: the mock with `--workers 1` and `--workers 2`, and the bare
handler of bench_throughput in one process and in two processes sharing the port through
SO_REUSEPORT (the kernel spreads connections; nothing routes them). Two client processes
each keep C/2 keep-alive connections busy with small requests, each connection under one
of K API keys chosen so that half of them land on each mock worker; every body differs in
its last turn. Rounds are interleaved (the order rotates), and the medians over rounds of
each round's ratios are printed with their ranges:

- scaling: 2 workers / 1 worker, for the mock and for the bare handler;
- the mock against the bare handler with as many processes.

Server CPU per request (the front and its workers, or both bare processes) is printed too,
and the front's own share. `--fresh` opens a new connection for every request, the
front's worst case: each is peeked at and handed over. Client and servers share the machine's cores,
so on a 2-core machine the client takes much of what a second worker would use.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import statistics
import time

import aiohttp
import orjson
from _bodies import HEADERS, SMALL
from _servers import BARE_SERVER, MOCK_SERVER, Server, running

from mockserver.workers.routing import worker_for

WARM_UP = 20
CLIENT_PROCESSES = 2
NAMES = ("bare x1", "bare x2", "mock x1", "mock x2")


def balanced_keys(count: int) -> list[str]:
    """`count` keys, alternating between the two workers a key can land on."""
    keys: list[str] = []
    n = 0
    while len(keys) < count:
        key = f"bench-key-{n}"
        n += 1
        if worker_for(key, 2) == len(keys) % 2:
            keys.append(key)
    return keys


async def _connection(url: str, key: str, first: int, count: int, fresh: bool) -> int:
    """One client connection sending `count` requests (a new connection for each when
    `fresh`); how many answered 200."""
    headers = {**HEADERS, "x-api-key": key, "content-type": "application/json"}
    ok = 0
    connector = aiohttp.TCPConnector(limit=1, force_close=fresh)
    async with aiohttp.ClientSession(connector=connector) as session:
        for i in range(first, first + count):
            body = {**SMALL, "messages": [{"role": "user", "content": f"Hello {i}"}]}
            async with session.post(
                url + "/v1/messages", data=orjson.dumps(body), headers=headers
            ) as answer:
                await answer.read()
                ok += answer.status == 200
    return ok


async def _load(
    url: str, keys: list[str], per_connection: int, first: int, fresh: bool
) -> tuple[float, float, int]:
    await asyncio.gather(*(_connection(url, key, first, 2, fresh) for key in keys))  # warm up
    start = time.monotonic()
    done = await asyncio.gather(
        *(
            _connection(url, key, first + n * per_connection, per_connection, fresh)
            for n, key in enumerate(keys)
        )
    )
    return start, time.monotonic(), sum(done)


def load(
    url: str, keys: list[str], per_connection: int, first: int, fresh: bool
) -> tuple[float, float, int, float]:
    """In a client process: every connection's requests; (start, end, answered 200, the
    client's own CPU seconds)."""
    cpu = time.process_time()
    start, end, ok = asyncio.run(_load(url, keys, per_connection, first, fresh))
    return start, end, ok, time.process_time() - cpu


def measure(
    pool: concurrent.futures.ProcessPoolExecutor,
    server: Server,
    connections: list[list[str]],
    per_connection: int,
    first: int,
    *,
    fresh: bool,
) -> tuple[float, float, float, float]:
    """(requests per second, server CPU seconds per request, the first process's alone, the
    clients' CPU seconds per request) over all client processes."""
    before, before_first = server.cpu_seconds(), server.cpu_seconds(first_only=True)
    runs = [
        pool.submit(load, server.url, keys, per_connection, first + n * 1_000_000, fresh)
        for n, keys in enumerate(connections)
    ]
    results = [run.result() for run in runs]
    total = sum(result[2] for result in results)
    expected = per_connection * sum(len(keys) for keys in connections)
    assert total == expected, f"{server.url}: {expected - total} requests failed"
    elapsed = max(result[1] for result in results) - min(result[0] for result in results)
    cpu = server.cpu_seconds() - before
    cpu_first = server.cpu_seconds(first_only=True) - before_first
    client = sum(result[3] for result in results)
    return total / elapsed, cpu / total, cpu_first / total, client / total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="per server and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keys", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="a new connection per request")
    args = parser.parse_args()
    keys = balanced_keys(args.keys)
    # Connection n uses key n mod K; the client processes take turns at connections.
    per_client = [
        [keys[n % len(keys)] for n in range(c, args.connections, CLIENT_PROCESSES)]
        for c in range(CLIENT_PROCESSES)
    ]
    per_connection = max(1, args.requests // args.connections)
    rates: dict[str, list[float]] = {name: [] for name in NAMES}
    cpu: dict[str, list[float]] = {name: [] for name in NAMES}
    front: list[float] = []
    client: list[float] = []
    mock = ("--no-bundled", "--quiet")
    with (
        running(BARE_SERVER) as bare1,
        running(BARE_SERVER, copies=2) as bare2,
        running(MOCK_SERVER, *mock, "--workers", "1") as mock1,
        running(MOCK_SERVER, *mock, "--workers", "2") as mock2,
        concurrent.futures.ProcessPoolExecutor(CLIENT_PROCESSES) as pool,
    ):
        servers = dict(zip(NAMES, (bare1, bare2, mock1, mock2), strict=True))
        for round_ in range(args.rounds):
            order = NAMES[round_ % 4 :] + NAMES[: round_ % 4]
            for name in order:
                rate, per_request, first, by_client = measure(
                    pool,
                    servers[name],
                    per_client,
                    per_connection,
                    round_ * 10_000,
                    fresh=args.fresh,
                )
                rates[name].append(rate)
                client.append(by_client)
                cpu[name].append(per_request)
                if name == "mock x2":
                    front.append(first)
    print(
        f"{args.connections} connections, {len(keys)} API keys (half on each worker), "
        f"{per_connection * args.connections} requests per server and round, "
        f"{args.rounds} rounds, {CLIENT_PROCESSES} client processes, "
        f"{'a new connection per request' if args.fresh else 'keep-alive connections'}"
    )
    for name in NAMES:
        print(
            f"{name:8s}: {statistics.median(rates[name]):7.0f} req/s  "
            f"{statistics.median(cpu[name]) * 1e6:5.0f} us server CPU/request"
        )

    def ratio(top: str, bottom: str, label: str) -> None:
        each = sorted(t / b for t, b in zip(rates[top], rates[bottom], strict=True))
        print(f"{label:34s}: {statistics.median(each):.2f}x  ({each[0]:.2f}-{each[-1]:.2f})")

    print(f"  of which the front: {statistics.median(front) * 1e6:5.0f} us/request (mock x2)")
    # On a machine with as many cores as workers, this is what the workers cannot have.
    print(f"client CPU          : {statistics.median(client) * 1e6:5.0f} us/request")
    ratio("mock x2", "mock x1", "scaling, mock (2 / 1 workers)")
    ratio("bare x2", "bare x1", "scaling, bare (2 / 1 processes)")
    ratio("mock x1", "bare x1", "mock / bare, 1 process")
    ratio("mock x2", "bare x2", "mock / bare, 2 processes")


if __name__ == "__main__":
    main()
