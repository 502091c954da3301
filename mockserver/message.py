"""Stage 6: a Reply and the request → the Message the API would return."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from . import ids
from .reply import Reply


def _finish_block(block: Mapping[str, Any], sign: Callable[[str], str]) -> dict[str, Any]:
    out = dict(block)
    kind = out.get("type")
    if kind == "text":
        out.setdefault("citations", None)
    elif kind == "tool_use":
        out.setdefault("id", ids.tool_use_id())
        out.setdefault("input", {})
        out.setdefault("caller", {"type": "direct"})
    elif kind == "server_tool_use":
        out.setdefault("id", ids.server_tool_use_id())
        out.setdefault("input", {})
    elif kind == "thinking":
        out.setdefault("signature", sign(str(out.get("thinking", ""))))
    return out


def _rough_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value)
    return max(1, len(text) // 4) if text else 0


def build_message(
    body: Mapping[str, Any], reply: Reply, *, model: str, sign: Callable[[str], str]
) -> dict[str, Any]:
    content = [_finish_block(b, sign) for b in reply.content]
    stop_reason = reply.stop_reason or (
        "tool_use" if content and content[-1].get("type") == "tool_use" else "end_turn"
    )
    output = sum(
        _rough_tokens(b.get("text") or b.get("thinking") or b.get("input") or "") for b in content
    )
    usage: dict[str, Any] = {
        "input_tokens": _rough_tokens({k: body.get(k) for k in ("system", "messages", "tools")}),
        "output_tokens": output,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "server_tool_use": None,
        "service_tier": "standard",
        "inference_geo": "global",
        "output_tokens_details": {"thinking_tokens": 0},
        "speed": None,
    }
    usage.update(reply.usage or {})
    return {
        "id": ids.message_id(),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "stop_details": dict(reply.stop_details) if reply.stop_details else None,
        "container": None,
        "diagnostics": None,
        "usage": usage,
    }
