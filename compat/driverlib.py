"""What the Python drivers share: settings from run.py, checks, the mock's admin API, and
the loop that runs flows and prints their `@@flow` lines. Standard library only, so any
driver's venv can import it (run.py puts compat/ on PYTHONPATH).

Settings (environment):
  MOCK_URL           the mock server's base URL
  COMPAT_FLOWS       optional comma-separated flow names to run (default: all)
  COMPAT_MODEL       optional model id (default claude-sonnet-4-6)
  COMPAT_MAX_TOKENS  optional max_tokens for every flow; unset, the driver's own value

A flow line: `@@flow {"flow", "ok", "reason", "requests", "first", "expected", "skipped"}`:
"first" is the journal index of the flow's first request, "expected" the HTTP statuses the
flow provoked on purpose (an injected 429, a request meant to be refused), which the
runner does not count against it, and "skipped" is set for a flow this client version
does not have.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import traceback
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

MOCK_URL = os.environ["MOCK_URL"]
MODEL = os.environ.get("COMPAT_MODEL", "claude-sonnet-4-6")
MAX_TOKENS_SET = int(os.environ.get("COMPAT_MAX_TOKENS") or 0)
ONLY = set(filter(None, os.environ.get("COMPAT_FLOWS", "").split(",")))
DUMMY_KEY = "sk-ant-compat-dummy"

Flow = Callable[[], Awaitable[None] | None]


class Check(Exception):
    pass


class Skip(Exception):
    """Raised by a flow whose feature this client version does not have."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise Check(message)


def max_tokens(default: int = 1024) -> int:
    return MAX_TOKENS_SET or default


# ---------------------------------------------------------------- the mock's admin API


def _admin(method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{MOCK_URL}/_mock{path}", data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def journal_count() -> int:
    return int(_admin("GET", "/health")["exchanges"])


def journal_since(first: int) -> list[dict[str, Any]]:
    exchanges: list[dict[str, Any]] = _admin("GET", "/journal")["exchanges"]
    return exchanges[first:]


def inject_fault(rule: dict[str, Any]) -> None:
    """POST /_mock/faults: e.g. {"kind": "error", "status": 429, "times": 1}."""
    _admin("POST", "/faults", rule)


def clear_faults() -> None:
    _admin("DELETE", "/faults")


_expected: set[int] = set()


def expect_status(*statuses: int) -> None:
    """The current flow provokes these HTTP statuses on purpose."""
    _expected.update(statuses)


def statuses_since(first: int) -> list[int]:
    return [int(e.get("status", 0)) for e in journal_since(first)]


# ---------------------------------------------------------------- reporting


def describe(error: BaseException) -> str:
    """One line: the API's error for a refused request, else the exception and where the
    client raised it (for an answer it could not parse)."""
    if isinstance(error, Check | Skip):
        return str(error)
    body = getattr(error, "body", None)
    status = getattr(error, "status_code", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        kind, message = body["error"].get("type"), body["error"].get("message")
        return f"{type(error).__name__}: HTTP {status} {kind}: {message}"
    # A client that wraps the API's answer in its own message (LiteLLM): the envelope's
    # error type and message, read out of it.
    envelope = re.search(
        r'"error":\s*\{"type":\s*"([^"]+)",\s*"message":\s*"((?:[^"\\]|\\.)*)"', str(error)
    )
    if envelope:
        kind, message = envelope.groups()
        return f"{type(error).__name__}: HTTP {status} {kind}: {message}"
    parts = [f"{type(error).__name__}: {str(error)[:400]}"]
    cause = error.__cause__ or error.__context__
    if cause is not None:
        parts.append(f"cause {type(cause).__name__}: {str(cause)[:300]}")
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        parts.append(f"at {os.path.basename(last.filename)}:{last.lineno}")
    return " | ".join(parts).replace("\n", " ")


def run_flows(flows: dict[str, Flow]) -> None:
    """Run each flow (a function or a coroutine function) and print its line."""
    for name, flow in flows.items():
        if ONLY and name not in ONLY:
            continue
        _expected.clear()
        before = journal_count()
        ok, reason, skipped = True, "", False
        try:
            outcome = flow()
            if inspect.isawaitable(outcome):
                asyncio.run(_await(outcome))
        except Skip as error:
            skipped, reason = True, str(error)
        except Exception as error:
            ok, reason = False, describe(error)
        finally:
            if _expected:
                clear_faults()
        requests = journal_count() - before
        line = {
            "flow": name,
            "ok": ok,
            "reason": reason,
            "requests": requests,
            "first": before,
            "expected": sorted(_expected),
            "skipped": skipped,
        }
        print("@@flow " + json.dumps(line), flush=True)


async def _await(outcome: Awaitable[None]) -> None:
    await outcome
