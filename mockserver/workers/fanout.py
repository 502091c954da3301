"""The admin API of a worker among several: each call acts on every worker, reads merged.

A worker that receives an admin call on the public port (it has passed the admin guard
there) repeats it to every worker's private socket, its own included, and answers with
what they answered:

- changes (reset, scenarios, faults, rate limits, clock, strictness, signatures, report
  reset) go to all; the answer is the first worker's that succeeded;
- the journal, health, faults, verify and the contract report are merged;
- settings that every worker holds alike (clock, strictness, signatures, scenarios) are
  read from the first worker; one key's rate limits from the worker that serves the key;
- the inspector (`/ui`, `/feed`, `/exchanges`) is answered by the worker itself. The front
  sends connections without an API key, a browser's among them, to worker 0, so the page
  shows worker 0's exchanges (`GET /_mock/journal` has all of them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import orjson
from aiohttp import web

from ..admin.routes import ADMIN_PREFIX, AdminWrap, Handler
from ..report.verify import unused_report
from .merge import (
    common_unused,
    join_reports,
    merge_faults,
    merge_health,
    merge_journal,
)
from .merge_report import merge_reports
from .routing import worker_for

# Where a worker's private app answers what only the fan-out asks (not an admin route).
UNUSED_PATH = "/_workers/unused"
_LOCAL = ("/ui", "/feed", "/exchanges")
_CHECKS = ("unmatched", "unused", "violations")
_YES, _NO = ("true", "1", "yes"), ("false", "0", "no")
_FROM_FIRST = {("GET", p) for p in ("/clock", "/strictness", "/signatures", "/scenarios")}


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return orjson.loads(self.body)

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type=self.content_type)


def socket_path(folder: Path, worker: int) -> Path:
    return folder / f"worker-{worker}.sock"


class Peers:
    """Clients of every worker's private socket (this worker's own among them)."""

    def __init__(self, folder: Path, count: int) -> None:
        self.count = count
        self._folder = folder
        self._sessions: dict[int, aiohttp.ClientSession] = {}

    def _session(self, worker: int) -> aiohttp.ClientSession:
        session = self._sessions.get(worker)
        if session is None:
            connector = aiohttp.UnixConnector(path=str(socket_path(self._folder, worker)))
            session = self._sessions[worker] = aiohttp.ClientSession(connector=connector)
        return session

    async def ask(
        self, worker: int, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> Answer:
        headers = {"content-type": content_type} if content_type else {}
        url = f"http://worker-{worker}{path}"
        async with self._session(worker).request(method, url, data=body, headers=headers) as r:
            return Answer(r.status, await r.read(), r.content_type)

    async def ask_all(
        self, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> list[Answer]:
        asked = (self.ask(w, method, path, body, content_type) for w in range(self.count))
        return list(await asyncio.gather(*asked))

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()


def _first_success(answers: list[Answer]) -> Answer:
    return next((a for a in answers if a.status < 300), answers[0])


def _json(data: Any) -> web.Response:
    return web.Response(body=orjson.dumps(data), content_type="application/json")


Route = Callable[[web.Request, Peers], Awaitable[web.StreamResponse]]


async def _broadcast(request: web.Request, peers: Peers) -> web.StreamResponse:
    body = await request.read()
    answers = await peers.ask_all(
        request.method, request.path_qs, body, request.headers.get("content-type", "")
    )
    return _first_success(answers).response()


async def _from_first(request: web.Request, peers: Peers) -> web.StreamResponse:
    return (await peers.ask(0, request.method, request.path_qs)).response()


def _merged(merge: Callable[[list[Any]], Any]) -> Route:
    async def route(request: web.Request, peers: Peers) -> web.StreamResponse:
        answers = await peers.ask_all(request.method, request.path_qs)
        failed = [a for a in answers if a.status >= 300]
        if failed:
            return failed[0].response()
        return _json(merge([a.json() for a in answers]))

    return route


async def _rate_limits(request: web.Request, peers: Peers) -> web.StreamResponse:
    """One key's limits and headers live on the worker that serves the key."""
    owner = worker_for(request.query.get("api_key"), peers.count)
    return (await peers.ask(owner, "GET", request.path_qs)).response()


async def _report(request: web.Request, peers: Peers, handler: Handler) -> web.StreamResponse:
    form = request.query.get("format", "json")
    if form not in ("json", "text"):
        return await handler(request)
    answers = await peers.ask_all("GET", ADMIN_PREFIX + "/report?format=json")
    report = merge_reports([a.json() for a in answers])
    if form == "text":
        return web.Response(text=report.to_text() + "\n")
    return _json(report.to_json())


async def _verify(request: web.Request, peers: Peers, handler: Handler) -> web.StreamResponse:
    """The teardown checks over every worker: each request-level check joined; a required
    step unused only if no worker's clients used it."""
    wanted = []
    for check in _CHECKS:
        value = request.query.get(check, "true").lower()
        if value not in _YES + _NO:
            # The worker's own answer names the malformed flag.
            return await handler(request)
        wanted += [check] if value in _YES else []
    failures: list[str] = []
    for check in wanted:
        if check == "unused":
            lists = await peers.ask_all("GET", UNUSED_PATH)
            unused = common_unused([a.json()["unused"] for a in lists])
            failures += [unused_report(unused)] if unused else []
            continue
        only = "&".join(f"{c}={str(c == check).lower()}" for c in _CHECKS)
        answers = await peers.ask_all("GET", f"{ADMIN_PREFIX}/verify?{only}")
        found = [text for a in answers for text in a.json()["failures"]]
        failures += [join_reports(found)] if found else []
    return _json({"ok": not failures, "failures": failures})


_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/health"): _merged(merge_health),
    ("GET", "/journal"): _merged(merge_journal),
    ("GET", "/journal/unmatched"): _merged(merge_journal),
    ("GET", "/journal/violations"): _merged(merge_journal),
    ("GET", "/faults"): _merged(merge_faults),
    ("GET", "/rate-limits"): _rate_limits,
}


def fan_out(peers: Peers) -> AdminWrap:
    """The admin routes' wrapper for a worker among `peers.count` (see the module)."""

    def wrap(method: str, path: str, handler: Handler) -> Handler:
        if path.startswith(_LOCAL):
            return handler
        if (method, path) == ("GET", "/report"):
            return lambda request: _report(request, peers, handler)
        if (method, path) == ("GET", "/verify"):
            return lambda request: _verify(request, peers, handler)
        route = _from_first if (method, path) in _FROM_FIRST else _ROUTES.get((method, path))
        chosen = route or _broadcast
        return lambda request: chosen(request, peers)

    return wrap
