"""A stream folded into a Message key for key, without any SDK model in between.

The SDK-based comparison (stream_support.comparable) drops nulls and unset fields, so it
cannot tell `"citations": null` from no key; this one can. It folds events the way the
SDKs' stream helpers do: message_start's shell, each block's start and deltas, then
message_delta's `delta` fields and usage figures over the shell's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

_ID_KEYS = frozenset({"id", "tool_use_id"})


def fold(events: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    message: dict[str, Any] | None = None
    partial: dict[int, str] = {}
    for name, data in events:
        if name == "message_start":
            message = json.loads(json.dumps(data["message"]))
        elif message is None:
            continue
        elif name == "content_block_start":
            message["content"].append(dict(data["content_block"]))
        elif name == "content_block_delta":
            _apply(message["content"][data["index"]], data["delta"], partial, data["index"])
        elif name == "content_block_stop" and data["index"] in partial:
            message["content"][data["index"]]["input"] = json.loads(partial.pop(data["index"]))
        elif name == "message_delta":
            message.update(data["delta"])
            message["usage"].update(data["usage"])
    assert message is not None, "no message_start in the stream"
    return message


def _apply(
    block: dict[str, Any], delta: Mapping[str, Any], partial: dict[int, str], i: int
) -> None:
    kind = delta["type"]
    if kind == "text_delta":
        block["text"] += delta["text"]
    elif kind == "citations_delta":
        block["citations"].append(delta["citation"])
    elif kind == "thinking_delta":
        block["thinking"] += delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "input_json_delta":
        partial[i] = partial.get(i, "") + delta["partial_json"]


def ids_by_position(value: Any, seen: dict[str, str] | None = None) -> Any:
    """Ids replaced by the order they first appear in (two requests mint different ids)."""
    seen = {} if seen is None else seen
    if isinstance(value, dict):
        return {
            k: seen.setdefault(v, f"<id {len(seen)}>")
            if k in _ID_KEYS and isinstance(v, str)
            else ids_by_position(v, seen)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [ids_by_position(v, seen) for v in value]
    return value
