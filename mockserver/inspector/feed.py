"""`GET /_mock/feed`: each new exchange's list row, pushed as server-sent events.

Each open feed is a journal watcher while it lasts; with no page open the request path
pays nothing for it (see ServerState.watchers).
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from aiohttp import web

from ..keys import STATE
from ..report.exchange_summary import summary
from ..report.journal import Exchange
from ..streaming.render import STREAMS_CLOSING

# Rows a slow page may fall behind by before it is told to reload its list instead.
_BACKLOG = 1_000
# How often a quiet feed checks that its page and the server are still there, and sends
# a comment so proxies keep the connection open.
_KEEPALIVE_SECONDS = 1.0


async def feed(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    rows: asyncio.Queue[bytes] = asyncio.Queue(_BACKLOG)
    lagged = False

    def watch(exchange: Exchange) -> None:
        nonlocal lagged
        # The watcher runs right after the exchange is journaled: it is the last one.
        number = state.journal.dropped + len(state.journal) - 1
        try:
            rows.put_nowait(orjson.dumps(summary(exchange, number)))
        except asyncio.QueueFull:
            lagged = True

    response = web.StreamResponse(
        headers={"content-type": "text/event-stream", "cache-control": "no-cache"}
    )
    await response.prepare(request)
    state.watchers.append(watch)
    closing = request.app.get(STREAMS_CLOSING)
    try:
        await response.write(b": feed open\n\n")
        while closing is None or not closing.is_set():
            if lagged:
                await response.write(b"event: reload\ndata: {}\n\n")
                return response
            try:
                row = await asyncio.wait_for(rows.get(), _KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            await response.write(b"event: exchange\ndata: " + row + b"\n\n")
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ValueError):
            state.watchers.remove(watch)
    return response
