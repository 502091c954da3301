"""The Message an OpenAI-door exchange delivered, rebuilt from the completion or the chunks
sent, so the journal's helpers (reply_text, tool_uses) read either door alike.

The rebuilt Message has the content the client received: text and tool_use blocks, the
stop reason read back from finish_reason (`stop` reads as end_turn, though a stop
sequence or pause_turn also ends as `stop`), and the usage the client was told.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def _input(arguments: Any) -> Any:
    try:
        return json.loads(arguments) if isinstance(arguments, str) and arguments else {}
    except ValueError:
        # A stream cut inside the arguments: the fragment as received.
        return arguments


def _message(
    head: Mapping[str, Any],
    text: str | None,
    calls: Sequence[Mapping[str, Any]],
    finish: Any,
    usage: Any,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for call in calls:
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id"),
                "name": function.get("name"),
                "input": _input(function.get("arguments")),
            }
        )
    message: dict[str, Any] = {
        "id": head.get("id"),
        "type": "message",
        "role": "assistant",
        "model": head.get("model"),
        "content": content,
        "stop_reason": STOP_REASONS.get(finish) if isinstance(finish, str) else None,
    }
    if isinstance(usage, Mapping):
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        message["usage"] = {
            "input_tokens": (usage.get("prompt_tokens") or 0) - cached,
            "output_tokens": usage.get("completion_tokens") or 0,
            "cache_read_input_tokens": cached,
        }
    return message


def message_from_completion(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, Mapping) or body.get("object") != "chat.completion":
        return None
    choice = (body.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    calls = reply.get("tool_calls") or []
    return _message(
        body, reply.get("content"), calls, choice.get("finish_reason"), body.get("usage")
    )


def message_from_chunks(events: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any] | None:
    """None when not one chunk went out."""
    head: Mapping[str, Any] | None = None
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = usage = None
    for name, data in events:
        if name != "chunk":
            continue
        head = head or data
        usage = data.get("usage") or usage
        for choice in data.get("choices") or ():
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            finish = choice.get("finish_reason") or finish
            for part in delta.get("tool_calls") or ():
                call = calls.setdefault(part["index"], {"function": {"arguments": ""}})
                call["id"] = part.get("id", call.get("id"))
                function = part.get("function") or {}
                call["function"]["name"] = function.get("name", call["function"].get("name"))
                call["function"]["arguments"] += function.get("arguments") or ""
    if head is None:
        return None
    ordered = [calls[i] for i in sorted(calls)]
    return _message(head, "".join(text), ordered, finish, usage)
