"""The admin HTTP API under /_mock/: the Python API's operations for any language's tests.

Answers are plain JSON (not the Anthropic envelope) and admin calls are not journaled.
Clients off the loopback interface need `Authorization: Bearer <admin token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import __version__, verify
from .journal import Exchange
from .keys import STATE
from .state import ServerState

ADMIN_PREFIX = "/_mock"

log = logging.getLogger("mockserver")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AdminError(Exception):
    """An admin request the server refuses; answered as {"error": message}."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _state(request: web.Request) -> ServerState:
    return request.config_dict[STATE]


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False


def check_access(request: web.Request) -> None:
    """Loopback clients are trusted; any other needs the configured admin token."""
    if _is_loopback(request.remote):
        return
    token: str | None = getattr(_state(request).config, "admin_token", None)
    if not token:
        raise AdminError(
            403, "the admin API only answers loopback clients unless an admin token is set"
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise AdminError(401, "the admin API needs 'Authorization: Bearer <admin token>'")


@web.middleware
async def admin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        check_access(request)
        return await handler(request)
    except AdminError as exc:
        return web.json_response({"error": exc.message, **exc.extra}, status=exc.status)
    except web.HTTPException as exc:
        return web.json_response({"error": exc.reason}, status=exc.status)
    except Exception:
        log.exception("internal error in admin %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "true").lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise AdminError(400, f"query parameter {name!r} must be true or false, got {value!r}")


def _exchanges(items: list[Exchange]) -> web.Response:
    return web.json_response({"count": len(items), "exchanges": [e.to_json() for e in items]})


async def health(request: web.Request) -> web.Response:
    state = _state(request)
    return web.json_response(
        {"status": "ok", "version": __version__, "exchanges": len(state.journal)}
    )


async def reset(request: web.Request) -> web.Response:
    _state(request).reset()
    return web.json_response({"reset": True})


async def journal(request: web.Request) -> web.Response:
    return _exchanges(_state(request).journal.all())


async def journal_violations(request: web.Request) -> web.Response:
    return _exchanges(_state(request).journal.violations())


async def verify_checks(request: web.Request) -> web.Response:
    """The teardown checks, for a test suite that is not in Python."""
    checks = verify.Checks(
        unmatched=_flag(request, "unmatched"),
        unused=_flag(request, "unused"),
        violations=_flag(request, "violations"),
    )
    failures = verify.failures(_state(request).journal, checks)
    return web.json_response({"ok": not failures, "failures": failures})


def admin_app() -> web.Application:
    """The admin API as a sub-application; mount it at ADMIN_PREFIX."""
    app = web.Application(middlewares=[admin_middleware])
    app.router.add_get("/health", health)
    app.router.add_post("/reset", reset)
    app.router.add_get("/journal", journal)
    app.router.add_get("/journal/violations", journal_violations)
    app.router.add_get("/verify", verify_checks)
    return app
