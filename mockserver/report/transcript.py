"""Read what a request said and what the reply was, from the plain dicts the journal keeps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _blocks(content: Any) -> list[Mapping[str, Any]]:
    # `content` (and `system`) may be a bare string: the API reads it as one text block.
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [block for block in content if isinstance(block, Mapping)]
    return []


def _texts(blocks: Iterable[Mapping[str, Any]]) -> list[str]:
    return [b["text"] for b in blocks if b.get("type") == "text" and isinstance(b.get("text"), str)]


def _messages(body: Any) -> list[Mapping[str, Any]]:
    messages = body.get("messages") if isinstance(body, Mapping) else None
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def system_text(body: Any) -> str | None:
    """The `system` prompt as one string (text blocks joined by a blank line); None if absent."""
    if not isinstance(body, Mapping) or "system" not in body:
        return None
    return "\n\n".join(_texts(_blocks(body["system"])))


def last_user_text(body: Any) -> str:
    """The text of the request's last user turn ('' when it carries none, e.g. tool results)."""
    users = [m for m in _messages(body) if m.get("role") == "user"]
    return "\n".join(_texts(_blocks(users[-1].get("content")))) if users else ""


def final_tool_results(body: Any) -> list[Mapping[str, Any]]:
    """The `tool_result` blocks in the request's final message: what this call sent back.

    Earlier results are history repeated on every call, so only the final message is new.
    """
    messages = _messages(body)
    if not messages or messages[-1].get("role") != "user":
        return []
    return [b for b in _blocks(messages[-1].get("content")) if b.get("type") == "tool_result"]


def _apply_delta(
    block: dict[str, Any], delta: Mapping[str, Any], partial: dict[int, str], index: int
) -> None:
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = block.get("text", "") + str(delta.get("text", ""))
    elif kind == "thinking_delta":
        block["thinking"] = block.get("thinking", "") + str(delta.get("thinking", ""))
    elif kind == "signature_delta":
        block["signature"] = str(delta.get("signature", ""))
    elif kind == "input_json_delta":
        partial[index] = partial.get(index, "") + str(delta.get("partial_json", ""))
    elif kind == "citations_delta":
        block.setdefault("citations", []).append(delta.get("citation"))


def message_from_events(events: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any] | None:
    """The Message a stream delivered, rebuilt from its events (None before `message_start`)."""
    message: dict[str, Any] | None = None
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, str] = {}
    for name, data in events:
        if name == "message_start":
            message = dict(data.get("message", {}))
            message["content"] = []
            message["usage"] = dict(message.get("usage") or {})
        elif message is None:
            continue
        elif name == "content_block_start":
            index = int(data.get("index", len(blocks)))
            blocks[index] = dict(data.get("content_block", {}))
        elif name == "content_block_delta" and int(data.get("index", -1)) in blocks:
            index = int(data["index"])
            _apply_delta(blocks[index], data.get("delta", {}), partial, index)
        elif name == "content_block_stop" and int(data.get("index", -1)) in partial:
            index = int(data["index"])
            text = partial.pop(index)
            blocks[index]["input"] = json.loads(text) if text else {}
        elif name == "message_delta":
            message.update(data.get("delta", {}))
            message["usage"].update(data.get("usage") or {})
    if message is not None:
        message["content"] = [blocks[i] for i in sorted(blocks)]
    return message


def reply_text(message: Mapping[str, Any] | None) -> str:
    """The text blocks of a Message, concatenated."""
    return "".join(_texts(_blocks(message.get("content")))) if message else ""


def tool_uses(message: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The `tool_use` blocks of a Message: the calls the model asked the client to run."""
    if not message:
        return []
    return [b for b in _blocks(message.get("content")) if b.get("type") == "tool_use"]


def shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
