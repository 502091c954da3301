"""Admin routes for faults and rate limits (mounted with the rest of the admin API at /_mock).

    POST   /_mock/faults          add a rule: {"kind": "error", "status": 529, "times": 2}
    GET    /_mock/faults          the rules in force, with how often each fired
    DELETE /_mock/faults[/name]   remove every rule, or one
    PUT    /_mock/rate-limits     {"api_key": "k", "requests_per_minute": 5, ...}
    GET    /_mock/rate-limits     ?api_key=k: its limits and the headers it would get now
    DELETE /_mock/rate-limits     back to the configured limits, every bucket full

A rule's JSON takes the FaultRule fields (times, every, probability, seed, api_key,
session, streaming, endpoint, name) beside the fault's: kind (error, latency,
disconnect, truncate, stream), status, message, type, headers, retry_after, delay,
keep, and for kind "stream" a StreamFault object under "stream".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ..faults.ratelimit import RateLimits
from ..faults.rules import Fault, FaultRule
from ..keys import STATE
from ..scripting.script_checks import header_problem
from ..scripting.stream_plan import StreamFault
from ..state import ServerState
from .json_body import read_json

_FAULT_KEYS = {"kind", "status", "message", "type", "headers", "retry_after", "delay", "keep"}
_RULE_KEYS = {"times", "every", "probability", "seed", "api_key", "session", "streaming"}
_RULE_KEYS |= {"endpoint", "name", "stream"}
_LIMIT_KEYS = {"requests_per_minute", "input_tokens_per_minute", "output_tokens_per_minute"}

Route = Callable[[web.Request], Awaitable[web.Response]]


def fault_from_json(data: Mapping[str, Any]) -> Fault:
    kind = data.get("kind", "error")
    if kind == "error":
        return Fault.http_error(
            data.get("status", 529),
            data.get("message"),
            error_type=data.get("type"),
            headers=_headers(data.get("headers")),
            retry_after=data.get("retry_after"),
            delay=data.get("delay", 0.0),
        )
    if kind == "stream":
        stream = data.get("stream")
        if not isinstance(stream, Mapping):
            raise ValueError('a stream fault needs "stream": a StreamFault object')
        return Fault.in_stream(StreamFault(**stream))
    return Fault(kind, delay=data.get("delay", 0.0), keep=data.get("keep", 0.5))


def _headers(given: Any) -> dict[str, str]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise ValueError('"headers" must be an object of header names and values')
    for name, value in given.items():
        problem = header_problem(name, value)
        if problem is not None:
            raise ValueError(problem)
    return {name: str(value) for name, value in given.items()}


def rule_from_json(data: Any) -> FaultRule:
    """A FaultRule from the admin API's JSON (ValueError/TypeError when it is not one)."""
    if not isinstance(data, Mapping):
        raise ValueError("the body must be a JSON object describing a fault rule")
    unknown = sorted(set(data) - _FAULT_KEYS - _RULE_KEYS)
    if unknown:
        raise ValueError(f"unknown fault rule fields: {', '.join(unknown)}")
    options = {k: data[k] for k in _RULE_KEYS - {"stream"} if k in data}
    return FaultRule(fault_from_json(data), **options)


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


def _refusal(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json(request: web.Request) -> Any:
    try:
        return await read_json(request)
    except ValueError:
        raise ValueError("the body must be JSON") from None


def _refusing_bad_input(route: Route) -> Route:
    async def guarded(request: web.Request) -> web.Response:
        try:
            return await route(request)
        except (ValueError, TypeError) as exc:
            return _refusal(str(exc))

    return guarded


async def add_fault(request: web.Request) -> web.Response:
    rule = _state(request).faults.add(rule_from_json(await _json(request)))
    return web.json_response({"rule": rule.to_json()}, status=201)


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response({"rules": [r.to_json() for r in _state(request).faults.rules()]})


async def clear_faults(request: web.Request) -> web.Response:
    faults = _state(request).faults
    removed = len(faults.rules())
    faults.clear()
    return web.json_response({"removed": removed})


async def remove_fault(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if not _state(request).faults.remove(name):
        return _refusal(f"no fault rule named {name!r}", status=404)
    return web.json_response({"removed": 1})


async def set_rate_limits(request: web.Request) -> web.Response:
    data = await _json(request)
    if not isinstance(data, Mapping):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(data) - _LIMIT_KEYS - {"api_key"})
    if unknown:
        raise ValueError(f"unknown rate limit fields: {', '.join(unknown)}")
    api_key = data.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise ValueError('"api_key" must be a string (or absent: every key)')
    limits = RateLimits(**{k: data[k] for k in _LIMIT_KEYS if k in data})
    given = limits if limits.per_kind() else None
    _state(request).limits.set_limits(given, api_key)
    return web.json_response({"api_key": api_key, "limits": given.to_json() if given else None})


async def read_rate_limits(request: web.Request) -> web.Response:
    api_key = request.query.get("api_key")
    if api_key is None:
        return _refusal("name the key: ?api_key=<key>")
    limiter = _state(request).limits
    limits = limiter.limits_for(api_key)
    return web.json_response(
        {
            "api_key": api_key,
            "limits": limits.to_json() if limits else None,
            "headers": limiter.headers(api_key),
        }
    )


async def clear_rate_limits(request: web.Request) -> web.Response:
    _state(request).limits.clear()
    return web.json_response({"reset": True})


def fault_routes() -> list[tuple[str, str, Route]]:
    """These routes (method, path under the admin prefix, handler)."""
    return [
        ("POST", "/faults", _refusing_bad_input(add_fault)),
        ("GET", "/faults", list_faults),
        ("DELETE", "/faults", clear_faults),
        ("DELETE", "/faults/{name}", remove_fault),
        ("PUT", "/rate-limits", _refusing_bad_input(set_rate_limits)),
        ("GET", "/rate-limits", read_rate_limits),
        ("DELETE", "/rate-limits", clear_rate_limits),
    ]
