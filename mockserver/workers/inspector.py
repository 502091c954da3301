"""The inspector over every worker: one list, one feed, each exchange found where it is.

An exchange is numbered `local * N + worker` (N workers): its worker's own number for it,
spread so that numbers from different workers never meet. The list is every worker's
rows newest first; its paging cursor (`before`) holds a bound for each worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from aiohttp import web

from ..admin.routes import ADMIN_PREFIX, Handler
from ..streaming.render import STREAMS_CLOSING
from .peers import Peers

_PAGE_SIZE = 50
_MAX_PAGE = 500
_KEEPALIVE_SECONDS = 1.0
_RELOAD = b"event: reload\ndata: {}\n\n"
# A worker's bound once its rows are all listed: nothing is numbered below 0.
_DONE = 0


def _bounds(text: str | None, count: int) -> list[int | None]:
    """The cursor's bound per worker (None: from its newest)."""
    if text is None:
        return [None] * count
    parts = text.split(".")
    try:
        bounds = [int(part) if part else None for part in parts]
    except ValueError:
        bounds = []
    if len(bounds) != count:
        raise web.HTTPBadRequest(reason="query parameter 'before' is not a cursor of this list")
    return bounds


def _cursor(bounds: list[int | None]) -> str:
    return ".".join("" if bound is None else str(bound) for bound in bounds)


def _limit(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("limit") or _PAGE_SIZE), _MAX_PAGE))
    except ValueError:
        raise web.HTTPBadRequest(reason="query parameter 'limit' must be a number") from None


async def exchanges(request: web.Request, peers: Peers) -> web.Response:
    """Every worker's rows, newest first, `limit` of them older than the cursor."""
    count = peers.count
    bounds = _bounds(request.query.get("before"), count)
    limit = _limit(request)
    filters = {k: v for k, v in request.query.items() if k not in ("before", "limit")}
    asked = [w for w in range(count) if bounds[w] != _DONE]

    async def page(worker: int) -> dict[str, Any]:
        query = {**filters, "limit": str(limit)}
        if bounds[worker] is not None:
            query["before"] = str(bounds[worker])
        path = f"{ADMIN_PREFIX}/exchanges?" + "&".join(f"{k}={v}" for k, v in query.items())
        answer = await peers.ask(worker, "GET", path)
        data: dict[str, Any] = answer.json()
        return data

    pages = dict(zip(asked, await asyncio.gather(*(page(w) for w in asked)), strict=True))
    rows = [(row, w) for w, data in pages.items() for row in data["exchanges"]]
    rows.sort(key=lambda pair: pair[0]["started"], reverse=True)
    taken, left = rows[:limit], rows[limit:]
    for worker, data in pages.items():
        mine = [row["n"] for row, w in taken if w == worker]
        if any(w == worker for _, w in left):
            bounds[worker] = min(mine) if mine else max(r["n"] for r, w in left if w == worker) + 1
        elif data["before"] is not None:
            bounds[worker] = data["before"]
        else:
            bounds[worker] = _DONE
    more = any(bound != _DONE for bound in bounds)
    listed = [{**row, "n": row["n"] * count + w} for row, w in taken]
    total = sum(data["total"] for data in pages.values())
    body = {"exchanges": listed, "before": _cursor(bounds) if more else None, "total": total}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def one_exchange(
    request: web.Request, peers: Peers, handler: Handler, tail: str = ""
) -> web.StreamResponse:
    """Exchange `n` (or its scenario, `tail`), asked of the worker that holds it."""
    try:
        n = int(request.match_info["n"])
    except ValueError:
        return await handler(request)  # the worker's own 404
    local, worker = divmod(n, peers.count)
    answer = await peers.ask(worker, "GET", f"{ADMIN_PREFIX}/exchanges/{local}{tail}")
    if tail or answer.status != 200:
        return answer.response()
    data = answer.json()
    data["n"] = n
    return web.Response(body=orjson.dumps(data), content_type="application/json")


async def feed(request: web.Request, peers: Peers) -> web.StreamResponse:
    """Every worker's feed as one, each row numbered as the list numbers it."""
    frames: asyncio.Queue[bytes] = asyncio.Queue()

    async def relay(worker: int) -> None:
        try:
            async with peers.stream(worker, f"{ADMIN_PREFIX}/feed") as answer:
                event = b""
                async for line in answer.content:
                    if line.startswith(b"event: "):
                        event = line[7:].strip()
                    elif line.startswith(b"data: ") and event == b"exchange":
                        row = orjson.loads(line[6:])
                        row["n"] = row["n"] * peers.count + worker
                        frames.put_nowait(b"event: exchange\ndata: " + orjson.dumps(row) + b"\n\n")
                    elif event == b"reload":
                        break
        finally:
            # A worker's feed that ends (it lagged, or it stops): the page reloads its list.
            frames.put_nowait(_RELOAD)

    response = web.StreamResponse(
        headers={"content-type": "text/event-stream", "cache-control": "no-cache"}
    )
    await response.prepare(request)
    relays = [asyncio.create_task(relay(w)) for w in range(peers.count)]
    closing = request.app.get(STREAMS_CLOSING)
    try:
        await response.write(b": feed open\n\n")
        while closing is None or not closing.is_set():
            try:
                frame = await asyncio.wait_for(frames.get(), _KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            await response.write(frame)
            if frame == _RELOAD:
                break
    except ConnectionError:
        pass
    finally:
        for task in relays:
            task.cancel()
        for task in relays:
            with contextlib.suppress(BaseException):
                await task
    return response
