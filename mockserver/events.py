"""Stage 7a: a Message → the ordered SSE events the API streams for it. Pure, no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

Event = tuple[str, dict[str, Any]]

# Result blocks and redacted thinking arrive whole in their start event.
_WHOLE_BLOCKS = frozenset(
    {
        "redacted_thinking",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "tool_search_tool_result",
        "container_upload",
    }
)


def _chunks(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def _block_events(index: int, block: Mapping[str, Any], chunk: int) -> Iterator[Event]:
    kind = block.get("type")
    if kind in _WHOLE_BLOCKS:
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": dict(block)}
    elif kind == "text":
        shell = {"type": "text", "text": ""}
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": shell}
        for piece in _chunks(block.get("text", ""), chunk):
            yield "content_block_delta", _delta(index, {"type": "text_delta", "text": piece})
    elif kind == "thinking":
        shell = {"type": "thinking", "thinking": "", "signature": ""}
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": shell}
        for piece in _chunks(block.get("thinking", ""), chunk):
            yield "content_block_delta", _delta(index, {"type": "thinking_delta", "thinking": piece})
        yield "content_block_delta", _delta(
            index, {"type": "signature_delta", "signature": block.get("signature", "")}
        )
    elif kind in ("tool_use", "server_tool_use"):
        shell = {k: v for k, v in block.items() if k != "input"} | {"input": {}}
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": shell}
        yield "content_block_delta", _delta(index, {"type": "input_json_delta", "partial_json": ""})
        for piece in _chunks(json.dumps(block.get("input", {})), chunk):
            yield "content_block_delta", _delta(index, {"type": "input_json_delta", "partial_json": piece})
    else:
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": dict(block)}
    yield "content_block_stop", {"type": "content_block_stop", "index": index}


def _delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def message_events(message: Mapping[str, Any], chunk: int = 24) -> list[Event]:
    usage = dict(message["usage"])
    start_usage = usage | {"output_tokens": min(1, usage.get("output_tokens", 0))}
    shell = dict(message) | {
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "stop_details": None,
        "usage": start_usage,
    }
    events: list[Event] = [("message_start", {"type": "message_start", "message": shell})]
    for index, block in enumerate(message["content"]):
        events.extend(_block_events(index, block, chunk))
        if index == 0:
            events.insert(2, ("ping", {"type": "ping"}))
    delta_usage = {
        k: usage.get(k)
        for k in (
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "server_tool_use",
            "output_tokens_details",
        )
    }
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": message["stop_reason"],
                    "stop_sequence": message["stop_sequence"],
                    "stop_details": message.get("stop_details"),
                },
                "usage": delta_usage,
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def sse_frame(name: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
