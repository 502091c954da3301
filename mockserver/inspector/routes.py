"""The inspector's routes: its page, the journal one page of rows at a time, one exchange.

Numbers (`n`) count exchanges since the server started, so they stay the same while the
journal drops its oldest exchanges; a number no longer held answers 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import orjson
from aiohttp import web

from ..keys import STATE
from ..report.exchange_summary import answered_by, model_of, summary, usage_of
from ..report.journal import Exchange
from ..report.journal_json import exchanges_json
from .feed import feed
from .scenario_step import NotScriptable, scenario_yaml

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATIC = resources.files(__package__) / "static"
_FILES = {
    "": ("index.html", "text/html"),
    "/app.js": ("app.js", "text/javascript"),
    "/json.js": ("json.js", "text/javascript"),
    "/style.css": ("style.css", "text/css"),
}
_PAGE_SIZE = 50
_MAX_PAGE = 500


def _static(name: str, content_type: str) -> Handler:
    async def serve(_: web.Request) -> web.Response:
        # Read per request: a few KB, and an edited file shows without a restart.
        body = (_STATIC / name).read_bytes()
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8",
            headers={"cache-control": "no-store"},
        )

    return serve


def _keep(request: web.Request) -> Callable[[Exchange], bool]:
    """The list's filters: status (`2xx`, `4xx`, `429`…), violations, unmatched, model, door."""
    query = request.query
    status, model, api = query.get("status", ""), query.get("model", ""), query.get("api", "")
    violations, unmatched = query.get("violations") == "true", query.get("unmatched") == "true"

    def keep(e: Exchange) -> bool:
        if status and not (
            str(e.status) == status or (status.endswith("xx") and str(e.status)[0] == status[0])
        ):
            return False
        if violations and not e.violation:
            return False
        if unmatched and not e.unmatched:
            return False
        if model and model not in (model_of(e) or ""):
            return False
        return not api or e.api == api

    return keep


def _int(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise web.HTTPBadRequest(reason=f"query parameter {name!r} must be a number") from None


async def exchanges(request: web.Request) -> web.Response:
    """Rows newest first: `limit` of them numbered below `before` (default: the newest)."""
    journal = request.app[STATE].journal
    items, first = journal.all(), journal.dropped
    before = _int(request, "before", first + len(items)) - first
    limit = max(1, min(_int(request, "limit", _PAGE_SIZE), _MAX_PAGE))
    keep = _keep(request)
    rows: list[dict[str, Any]] = []
    index = min(before, len(items)) - 1
    while index >= 0 and len(rows) < limit:
        if keep(items[index]):
            rows.append(summary(items[index], first + index))
        index -= 1
    more = index >= 0 and any(keep(e) for e in items[: index + 1])
    return web.json_response(
        {"exchanges": rows, "before": first + index + 1 if more else None, "total": len(items)}
    )


def _exchange(request: web.Request) -> Exchange:
    journal = request.app[STATE].journal
    try:
        index = int(request.match_info["n"]) - journal.dropped
    except ValueError:
        index = -1
    items = journal.all()
    if not 0 <= index < len(items):
        raise web.HTTPNotFound(reason="no such exchange in the journal (reset or trimmed)")
    return items[index]


async def one_exchange(request: web.Request) -> web.Response:
    exchange = _exchange(request)
    # The journal's JSON (deep bodies left out as /_mock/journal does) plus the accounting.
    data = exchanges_json([exchange])
    extra = orjson.dumps(
        {
            "n": int(request.match_info["n"]),
            "usage": usage_of(exchange),
            "answered_by": answered_by(exchange),
        }
    )
    # The one exchange out of exchanges_json's `{"count":1,"exchanges":[...]}`.
    body = extra[:-1] + b',"exchange":' + data[data.index(b"[") + 1 : -2] + b"}"
    return web.Response(body=body, content_type="application/json")


async def as_scenario(request: web.Request) -> web.Response:
    try:
        text = scenario_yaml(_exchange(request))
    except NotScriptable as exc:
        raise web.HTTPConflict(reason=str(exc)) from None
    return web.Response(text=text, content_type="application/yaml")


def inspector_routes() -> list[tuple[str, str, Handler]]:
    """(method, path under /_mock, handler): served as admin routes, with their guard."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/ui" + path, _static(name, kind)) for path, (name, kind) in _FILES.items()
    ]
    return [
        *routes,
        ("GET", "/feed", feed),
        ("GET", "/exchanges", exchanges),
        ("GET", r"/exchanges/{n}", one_exchange),
        ("GET", r"/exchanges/{n}/scenario", as_scenario),
    ]
