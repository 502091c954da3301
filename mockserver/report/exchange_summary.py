"""One exchange in a few fields: the terminal's log line and the inspector's list rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .journal import Exchange


def model_of(exchange: Exchange) -> str | None:
    body = exchange.body
    model = body.get("model") if isinstance(body, Mapping) else None
    return model if isinstance(model, str) else None


def usage_of(exchange: Exchange) -> dict[str, int]:
    """Tokens in / out / cache read / cache write, as the reply counted them ({} if none)."""
    if exchange.api == "openai":
        usage = exchange.response.get("usage") if isinstance(exchange.response, Mapping) else None
        if not isinstance(usage, Mapping):
            return {}
        return {
            "input": int(usage.get("prompt_tokens") or 0),
            "output": int(usage.get("completion_tokens") or 0),
        }
    message = exchange.message
    usage = message.get("usage") if message else None
    if not isinstance(usage, Mapping):
        return {}
    return {
        "input": int(usage.get("input_tokens") or 0),
        "output": int(usage.get("output_tokens") or 0),
        "cache_read": int(usage.get("cache_read_input_tokens") or 0),
        "cache_write": int(usage.get("cache_creation_input_tokens") or 0),
    }


def answered_by(exchange: Exchange) -> str:
    """The step that answered, else `unmatched`, `default`, or `refused` (an error no step sent)."""
    if exchange.step is not None:
        return exchange.step
    if exchange.unmatched:
        return "unmatched"
    return "refused" if exchange.is_error else "default"


def first_problem(exchange: Exchange) -> tuple[str, str] | None:
    """The rule and the API's wording of what refused or warned about the request."""
    if exchange.problems:
        problem = exchange.problems[0]
        return problem.rule or "schema", problem.message
    error = exchange.error
    if exchange.rejected and error is not None:
        return str(error.get("type")), str(error.get("message"))
    return None


def summary(exchange: Exchange, number: int) -> dict[str, Any]:
    """The list row of exchange `number` (its place in the journal since the start)."""
    problem = first_problem(exchange)
    return {
        "n": number,
        "request_id": exchange.request_id,
        "started": exchange.started,
        "duration": exchange.duration,
        "api": exchange.api,
        "method": exchange.method,
        "path": exchange.path,
        "status": exchange.status,
        "model": model_of(exchange),
        "streamed": exchange.streamed,
        "usage": usage_of(exchange),
        "answered_by": answered_by(exchange),
        "unmatched": exchange.unmatched,
        "violation": exchange.violation,
        "rule": problem[0] if problem else None,
        "problem": problem[1] if problem else None,
    }
