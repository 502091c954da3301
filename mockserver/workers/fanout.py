"""The admin API of a worker among several: each call acts on every worker, reads merged.

A worker that receives an admin call on the public port (it has passed the admin guard
there) repeats it to every worker's private socket, its own included, and answers with
what they answered:

- changes (reset, scenarios, faults, rate limits, clock, strictness, signatures, report
  reset) go to all; the answer is the first worker's that succeeded;
- the journal, health, faults, verify and the contract report are merged;
- settings that every worker holds alike (clock, strictness, signatures, scenarios) are
  read from the first worker; one key's rate limits from the worker that serves the key;
- the inspector's list, feed and exchanges cover every worker (`inspector.py`); its page
  is the worker's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from ..admin.routes import ADMIN_PREFIX, AdminWrap, Handler
from ..report.verify import unused_report
from .inspector import exchanges, feed, one_exchange
from .merge import (
    common_unused,
    join_reports,
    merge_faults,
    merge_health,
    merge_journal,
)
from .merge_report import merge_reports
from .peers import Answer, Peers
from .routing import worker_for

# Where a worker's private app answers what only the fan-out asks (not an admin route).
UNUSED_PATH = "/_workers/unused"
_CHECKS = ("unmatched", "unused", "violations")
_YES, _NO = ("true", "1", "yes"), ("false", "0", "no")
_FROM_FIRST = {("GET", p) for p in ("/clock", "/strictness", "/signatures", "/scenarios")}


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
        # GET for HEAD too: the merge needs the bodies (aiohttp leaves them off a HEAD).
        answers = await peers.ask_all("GET", request.path_qs)
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
        if path.startswith("/ui"):
            return handler
        if path == "/feed":
            return lambda request: feed(request, peers)
        if path == "/exchanges":
            return lambda request: exchanges(request, peers)
        if path.startswith("/exchanges/"):
            tail = path.removeprefix("/exchanges/{n}")
            return lambda request: one_exchange(request, peers, handler, tail)
        if (method, path) == ("GET", "/report"):
            return lambda request: _report(request, peers, handler)
        if (method, path) == ("GET", "/verify"):
            return lambda request: _verify(request, peers, handler)
        route = _from_first if (method, path) in _FROM_FIRST else _ROUTES.get((method, path))
        chosen = route or _broadcast
        return lambda request: chosen(request, peers)

    return wrap
