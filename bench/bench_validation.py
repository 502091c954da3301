"""How long schema validation takes on a Claude-Code-sized request.

Builds a ~120 KB body like the ones agent CLIs send (24 tools whose input schemas carry
`$schema`, long system blocks with cache_control, a long tool loop with thinking and an
image in a tool result) and times, in one run, on the same body and schemas:

- jsonschema_rs `is_valid` (the path every valid request takes),
- pure-Python jsonschema `is_valid` (what the same check would cost without it),
- `RequestValidator.check` end to end.

Run: ``python bench/bench_validation.py``. The target is a median under 1 ms for `check`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockserver.contract.context import VERSION_2023, RequestContext
from mockserver.contract.schema_store import SchemaStore
from mockserver.contract.validation import RequestValidator

BETAS = frozenset(
    {"claude-code-20250219", "interleaved-thinking-2025-05-14", "context-management-2025-06-27"}
)
PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg=="
)


def tool(n: int) -> dict[str, Any]:
    return {
        "name": f"Tool{n}",
        "description": f"Tool number {n}. "
        + "Explains at length when to use it and when not to. " * 46,
        "input_schema": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Absolute path of the file to work on."},
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "How many lines to read.",
                },
                "mode": {"type": "string", "enum": ["read", "write", "append"]},
                "options": {
                    "type": "object",
                    "properties": {"recursive": {"type": "boolean"}, "glob": {"type": "string"}},
                    "additionalProperties": False,
                },
                "items": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    }


def turn(n: int) -> list[dict[str, Any]]:
    tool_id = f"toolu_01{n:022d}"
    result: list[dict[str, Any]] = [
        {"type": "text", "text": f"line {i} of the file\n" * 20} for i in range(2)
    ]
    if n == 3:
        result.append(
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": PNG_1PX},
            }
        )
    return [
        {
            "role": "assistant",
            "content": [
                {
                    "type": "thinking",
                    "thinking": "Looking at the next file. " * 8,
                    "signature": "Eq" + "A" * 300,
                },
                {"type": "text", "text": f"Reading part {n}."},
                {
                    "type": "tool_use",
                    "id": tool_id,
                    "name": f"Tool{n % 24}",
                    "input": {"path": f"/src/{n}.py"},
                },
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": result}],
        },
    ]


def claude_code_request() -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Refactor the parser module. " * 10}],
        },
        {"role": "system", "content": "The user is working in /src; prefer small diffs."},
    ]
    for n in range(20):
        messages.extend(turn(n))
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 64000,
        "stream": True,
        "system": [
            {
                "type": "text",
                "text": "You are a coding agent.",
                "cache_control": {"type": "ephemeral"},
            },
            {
                "type": "text",
                "text": "Guidelines for editing code safely. " * 400,
                "cache_control": {"type": "ephemeral"},
            },
            {
                "type": "text",
                "text": "Environment: linux, git repository.",
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            },
        ],
        "messages": messages,
        "tools": [tool(n) for n in range(24)],
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "metadata": {"user_id": json.dumps({"device_id": "d" * 32, "session_id": "s" * 36})},
    }


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="timed runs of the fast checks")
    runs = parser.parse_args().runs
    body = claude_code_request()
    size_kb = len(json.dumps(body)) / 1024
    store = SchemaStore()
    schema = store.compile("request.json#/$defs/create_beta_2023")
    validator = RequestValidator(store)
    ctx = RequestContext("req_bench", "key", VERSION_2023, BETAS, {})
    assert schema.fast.is_valid(body), "the sample must be valid"
    assert schema.detailed.is_valid(body), "the sample must be valid"
    assert validator.check("messages", body, ctx) == []

    fast = median_ms(lambda: schema.fast.is_valid(body), runs=runs)
    slow = median_ms(lambda: schema.detailed.is_valid(body), runs=15)
    check = median_ms(lambda: validator.check("messages", body, ctx), runs=runs)
    print(
        f"request: {size_kb:.0f} KB, {len(body['tools'])} tools, {len(body['messages'])} messages"
    )
    print(f"jsonschema_rs is_valid     median {fast:8.3f} ms")
    print(f"jsonschema (Python)        median {slow:8.3f} ms")
    print(f"RequestValidator.check     median {check:8.3f} ms   (target: under 1 ms)")
    print(f"ratio Python / jsonschema_rs:  {slow / fast:.0f}x")


if __name__ == "__main__":
    main()
