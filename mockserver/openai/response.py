"""A Message → an OpenAI `chat.completion`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

# Pause_turn has no OpenAI counterpart: the turn ended, so `stop`.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def finish_reason(message: Mapping[str, Any]) -> str:
    return FINISH_REASONS.get(str(message.get("stop_reason")), "stop")


def usage(message: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI's usage from the Message's: the prompt counts every input token, cached
    ones included (OpenAI's prompt_tokens does), and cached_tokens those read from cache."""
    u = message.get("usage") or {}
    cached = u.get("cache_read_input_tokens") or 0
    prompt = (u.get("input_tokens") or 0) + (u.get("cache_creation_input_tokens") or 0) + cached
    completion = u.get("output_tokens") or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    # orjson keeps non-ASCII as UTF-8, as the tool_use input is sent on the other door.
    arguments = orjson.dumps(block.get("input", {})).decode()
    return {
        "id": block["id"],
        "type": "function",
        "function": {"name": block["name"], "arguments": arguments},
    }


def text_of(message: Mapping[str, Any]) -> str | None:
    """The reply's text blocks joined; thinking is not returned on this door (the layer
    documents that thinking runs but its text does not come back)."""
    texts = [b["text"] for b in message.get("content", ()) if b.get("type") == "text"]
    return "".join(texts) if texts else None


def completion(message: Mapping[str, Any]) -> dict[str, Any]:
    calls = [tool_call(b) for b in message.get("content", ()) if b.get("type") == "tool_use"]
    reply: dict[str, Any] = {"role": "assistant", "content": text_of(message), "refusal": None}
    if calls:
        reply["tool_calls"] = calls
    return {
        # The Message's id, so the completion and the Messages journal entry correlate.
        "id": message["id"],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message["model"],
        "choices": [
            {
                "index": 0,
                "message": reply,
                "finish_reason": finish_reason(message),
                "logprobs": None,
            }
        ],
        "usage": usage(message),
    }
