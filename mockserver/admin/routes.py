"""The admin HTTP API under /_mock/: the Python API's operations for any language's tests.

Answers are plain JSON (not the Anthropic envelope) and admin calls are not journaled.
Clients off the loopback interface need `Authorization: Bearer <admin token>`.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .. import control
from ..errors import ScenarioError
from ..inspector.routes import inspector_routes
from ..keys import STATE
from ..report import verify
from ..report.journal import Exchange
from ..report.journal_json import exchanges_json
from ..scripting.loader import parse_scenarios
from ..scripting.scenario import Scenario
from ..state import ServerState
from ..version import __version__
from .faults import fault_routes
from .guard import Refused, check_browser
from .json_body import read_json

ADMIN_PREFIX = "/_mock"

log = logging.getLogger("mockserver")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What serves an admin route instead of its handler, given (method, path under the prefix,
# handler): the workers' fan-out to every worker.
AdminWrap = Callable[[str, str, Handler], Handler]


class AdminError(Exception):
    """An admin request the server refuses; answered as {"error": message}."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


_ADMIN_FOLDER = ADMIN_PREFIX + "/"


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(_ADMIN_FOLDER)


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


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
    token = _state(request).config.admin_token
    if not token:
        raise AdminError(
            403, "the admin API only answers loopback clients unless an admin token is set"
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise AdminError(401, "the admin API needs 'Authorization: Bearer <admin token>'")


def admin_route(handler: Handler, *, guarded: bool = True) -> Handler:
    """`handler` run as an admin call: access checked (unless not `guarded`: a worker's
    private socket, reached only by its peers), every failure answered in the admin API's
    plain JSON, nothing journaled."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            if guarded:
                check_access(request)
                config = _state(request).config
                check_browser(
                    request,
                    host=config.host,
                    allowed_origins=config.admin_allow_origins,
                    loopback=_is_loopback(request.remote),
                )
            return await handler(request)
        except Refused as exc:
            return web.json_response({"error": exc.message}, status=exc.status)
        except AdminError as exc:
            return web.json_response({"error": exc.message, **exc.extra}, status=exc.status)
        except ScenarioError as exc:
            where = {"source": exc.source, "line": exc.line, "hints": exc.hints}
            return web.json_response({"error": str(exc), **where}, status=400)
        except web.HTTPException as exc:
            return web.json_response({"error": exc.reason}, status=exc.status)
        except Exception:
            log.exception("internal error in admin %s %s", request.method, request.path)
            return web.json_response({"error": "internal error"}, status=500)

    return answer


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "true").lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise AdminError(400, f"query parameter {name!r} must be true or false, got {value!r}")


def _exchanges(items: list[Exchange]) -> web.Response:
    return web.Response(body=exchanges_json(items), content_type="application/json")


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


async def journal_unmatched(request: web.Request) -> web.Response:
    return _exchanges(_state(request).journal.unmatched())


async def journal_violations(request: web.Request) -> web.Response:
    return _exchanges(_state(request).journal.violations())


async def verify_checks(request: web.Request) -> web.Response:
    """The teardown checks, for a test suite that is not in Python."""
    checks = verify.Checks(
        unmatched=_flag(request, "unmatched"),
        unused=_flag(request, "unused"),
        violations=_flag(request, "violations"),
    )
    failures = control.failures(_state(request), checks)
    return web.json_response({"ok": not failures, "failures": failures})


def _summary(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "source": scenario.source,
        "steps": len(scenario.steps),
        "rules": len(scenario.rules),
        "fallback": scenario.fallback is not None,
    }


async def list_scenarios(request: web.Request) -> web.Response:
    book = _state(request).scenarios
    return web.json_response(
        {
            "scenarios": [_summary(s) for s in book.scenarios],
            # Copied at once: the folder watcher's thread updates it.
            "errors": {str(path): str(error) for path, error in list(book.errors.items())},
        }
    )


async def _scenario_text(request: web.Request) -> tuple[str, str]:
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError(400, "the scenario body must be UTF-8 YAML or JSON") from None
    return text, request.query.get("source", "<admin>")


async def _parsed_scenarios(request: web.Request) -> list[Scenario]:
    text, source = await _scenario_text(request)
    # Parsing takes seconds for a large file: in a thread, so requests keep being answered.
    return await asyncio.to_thread(parse_scenarios, text, source)


async def add_scenarios(request: web.Request) -> web.Response:
    """Play the scenarios in the body (YAML or JSON) too, until the next reset."""
    added = await _parsed_scenarios(request)
    control.add_scenarios(_state(request), added)
    return web.json_response({"added": [_summary(s) for s in added]})


async def replace_scenarios(request: web.Request) -> web.Response:
    """Play the scenarios in the body instead of those added before (files stay)."""
    scenarios = await _parsed_scenarios(request)
    control.replace_scenarios(_state(request), scenarios)
    return web.json_response({"added": [_summary(s) for s in scenarios]})


async def read_clock(request: web.Request) -> web.Response:
    return web.json_response({"now": _state(request).clock.now()})


async def advance_clock(request: web.Request) -> web.Response:
    """Move the simulated clock: ``{"seconds": 301}`` lets a 5-minute cache entry expire."""
    try:
        body = await read_json(request)
    except ValueError:
        raise AdminError(400, 'the body must be JSON: {"seconds": <number>}') from None
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise AdminError(400, '"seconds" must be a number >= 0')
    try:
        now = control.advance_clock(_state(request), seconds)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None
    return web.json_response({"now": now})


def _strictness(state: ServerState) -> web.Response:
    return web.json_response({"strictness": state.strictness, "session": state.config.strictness})


async def read_strictness(request: web.Request) -> web.Response:
    """The strictness in force, and the one a reset returns to."""
    return _strictness(_state(request))


async def _session_setting(
    request: web.Request,
    name: str,
    values: str,
    apply: Callable[[ServerState, Any, bool], object],
) -> ServerState:
    """``{name: value}`` applied until the next reset, or for the session with
    ``"session": true``; a 400 naming what is wrong otherwise."""
    try:
        body = await read_json(request)
    except ValueError:
        raise AdminError(400, f'the body must be JSON: {{"{name}": "{values}"}}') from None
    body = body if isinstance(body, dict) else {}
    session = body.get("session", False)
    if not isinstance(session, bool):
        raise AdminError(400, '"session" must be true or false')
    state = _state(request)
    try:
        apply(state, body.get(name), session)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None
    return state


async def set_strictness(request: web.Request) -> web.Response:
    """``{"strictness": "warn"}`` until the next reset; add ``"session": true`` to keep it."""
    state = await _session_setting(
        request,
        "strictness",
        "strict|warn|off",
        lambda state, value, session: control.set_strictness(state, value, session=session),
    )
    return _strictness(state)


def _signatures(state: ServerState) -> web.Response:
    return web.json_response({"signatures": state.signatures, "session": state.config.signatures})


async def read_signatures(request: web.Request) -> web.Response:
    """The signature policy in force, and the one a reset returns to."""
    return _signatures(_state(request))


async def set_signatures(request: web.Request) -> web.Response:
    """``{"signatures": "strict"}`` until the next reset; add ``"session": true`` to keep it."""
    state = await _session_setting(
        request,
        "signatures",
        "strict|lenient",
        lambda state, value, session: control.set_signatures(state, value, session=session),
    )
    return _signatures(state)


async def contract_report(request: web.Request) -> web.Response:
    """The contract report as JSON, or as text with ``?format=text``."""
    report = control.contract_report(_state(request))
    form = request.query.get("format", "json")
    if form == "text":
        return web.Response(text=report.to_text() + "\n")
    if form != "json":
        raise AdminError(400, f"query parameter 'format' must be json or text, got {form!r}")
    return web.json_response(report.to_json())


async def reset_report(request: web.Request) -> web.Response:
    control.reset_report(_state(request))
    return web.json_response({"reset": True})


def add_admin_routes(
    router: web.UrlDispatcher, *, wrap: AdminWrap | None = None, guarded: bool = True
) -> None:
    """The admin API's routes, under ADMIN_PREFIX on the main app's router; `wrap` stands
    in front of each handler, inside the guard.

    Not a sub-application: aiohttp walks every request to /v1/messages through a
    sub-app's bookkeeping (a fifth of the Python work of a plain answer) for nothing.
    """
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/health", health),
        ("POST", "/reset", reset),
        ("GET", "/journal", journal),
        ("GET", "/journal/unmatched", journal_unmatched),
        ("GET", "/journal/violations", journal_violations),
        ("GET", "/verify", verify_checks),
        ("GET", "/scenarios", list_scenarios),
        ("POST", "/scenarios", add_scenarios),
        ("PUT", "/scenarios", replace_scenarios),
        ("GET", "/clock", read_clock),
        ("POST", "/clock/advance", advance_clock),
        ("GET", "/strictness", read_strictness),
        ("PUT", "/strictness", set_strictness),
        ("GET", "/signatures", read_signatures),
        ("PUT", "/signatures", set_signatures),
        ("GET", "/report", contract_report),
        ("POST", "/report/reset", reset_report),
        *fault_routes(),
        *inspector_routes(),
    ]
    for method, path, handler in routes:
        served = admin_route(wrap(method, path, handler) if wrap else handler, guarded=guarded)
        if method == "GET":
            # HEAD too, as aiohttp's GET routes.
            router.add_get(ADMIN_PREFIX + path, served)
        else:
            router.add_route(method, ADMIN_PREFIX + path, served)
