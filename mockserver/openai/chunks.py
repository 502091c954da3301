"""A Message → the `chat.completion.chunk` stream OpenAI clients read, ending `[DONE]`."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from .response import finish_reason, tool_call, usage

DONE = b"data: [DONE]\n\n"


def _pieces(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def chunks(
    message: Mapping[str, Any], *, include_usage: bool, chunk_chars: int
) -> list[dict[str, Any]]:
    """The chunks in order: the role, the content deltas, the tool call deltas (first the
    id and name, then the argument fragments), the finish, and the usage when asked."""
    head = {
        "id": message["id"],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": message["model"],
    }
    # With include_usage every chunk carries `usage: null` but the last, as OpenAI's do.
    tail = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return {**head, "choices": [choice], **tail}

    out = [chunk({"role": "assistant", "content": ""})]
    index = 0
    for block in message.get("content", ()):
        kind = block.get("type")
        if kind == "text":
            out += [chunk({"content": piece}) for piece in _pieces(block["text"], chunk_chars)]
        elif kind == "tool_use":
            call = tool_call(block)
            function = call["function"]
            start = {"index": index, "id": call["id"], "type": "function"}
            start["function"] = {"name": function["name"], "arguments": ""}
            out.append(chunk({"tool_calls": [start]}))
            for piece in _pieces(function["arguments"], chunk_chars):
                out.append(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                )
            index += 1
    out.append(chunk({}, finish_reason(message)))
    if include_usage:
        out.append({**head, "choices": [], "usage": usage(message)})
    return out


def frame(item: Mapping[str, Any]) -> bytes:
    """One `data:` line: OpenAI's streams name no event."""
    return b"data: " + orjson.dumps(item) + b"\n\n"
