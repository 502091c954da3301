"""A recorded exchange as a scenario step: a match from what identifies the request, and
the recorded answer as a reply.

The match names what a changed prompt would change — the model, the turn, the last user
text (or the tool results it answers), the tools offered, streaming — and leaves out
what differs between runs of the same code without changing the conversation: ids,
timestamps, `metadata.user_id`, where `cache_control` marks sit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..scripting.conversation import Conversation
from .proxy import Captured

# Response headers worth replaying with a recorded error: those a client acts on.
_ERROR_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
# A stream slower than this to its first event keeps that delay on replay; faster is noise.
_MIN_DELAY = 0.01
# The usage figures a reply pins (the rest the server derives on replay).
_USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "server_tool_use",
    "service_tier",
)


def match_of(body: Mapping[str, Any]) -> dict[str, Any]:
    conv = Conversation(body, "", {})
    match: dict[str, Any] = {"model": conv.model, "turn": conv.turn}
    results = conv.tool_results
    if results:
        names = sorted({r.name for r in results if r.name})
        match["tool_result"] = names[0] if len(names) == 1 else True
    if conv.last_user_text:
        match["last_user_text"] = {"equals": conv.last_user_text}
    if conv.tool_names:
        match["tools"] = {"includes": list(conv.tool_names), "count": len(conv.tool_names)}
    match["stream"] = body.get("stream") is True
    return match


def reply_of(captured: Captured) -> dict[str, Any] | None:
    """The reply that answers as the upstream did; None for what a reply cannot say."""
    if captured.status >= 400 and isinstance(captured.body, Mapping):
        return {"error": _error(captured)}
    if captured.streamed:
        return _streamed(captured)
    if isinstance(captured.body, Mapping) and captured.body.get("type") == "message":
        return _message(captured.body)
    return None


def _error(captured: Captured) -> dict[str, Any]:
    error = captured.body.get("error") if isinstance(captured.body, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    out: dict[str, Any] = {"status": captured.status}
    if isinstance(error.get("type"), str):
        out["type"] = error["type"]
    if isinstance(error.get("message"), str):
        out["message"] = error["message"]
    headers = {k: captured.headers[k] for k in _ERROR_HEADERS if k in captured.headers}
    if headers:
        out["headers"] = headers
    return out


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = {"content": [dict(b) for b in message.get("content") or []]}
    if isinstance(message.get("stop_reason"), str):
        reply["stop_reason"] = message["stop_reason"]
    if isinstance(message.get("stop_details"), Mapping):
        reply["stop_details"] = dict(message["stop_details"])
    usage = message.get("usage")
    if isinstance(usage, Mapping):
        reply["usage"] = {k: usage[k] for k in _USAGE_KEYS if usage.get(k) is not None}
    return reply


def _streamed(captured: Captured) -> dict[str, Any] | None:
    events = captured.events
    message = captured.message()
    if message is None:
        return None
    reply = _message(message)
    stream: dict[str, Any] = {}
    first = events[0][2] if events else 0.0
    if first >= _MIN_DELAY:
        stream["pacing"] = {"first_token_delay": round(first, 3)}
    span = events[-1][2] - first if events else 0.0
    output = message.get("usage", {}).get("output_tokens")
    # A guess at the generation speed: the recorded output spread over the time between
    # the first and the last event.
    if span >= _MIN_DELAY and isinstance(output, int) and output > 0:
        stream.setdefault("pacing", {})["tokens_per_second"] = round(output / span, 1)
    for index, (name, data, _) in enumerate(events):
        if name == "error" and isinstance(data, Mapping):
            got = data.get("error")
            error: Mapping[str, Any] = got if isinstance(got, Mapping) else {}
            stream["fault"] = {
                "kind": "error",
                "after_events": index,
                "error_type": str(error.get("type", "api_error")),
                "message": str(error.get("message", "")),
            }
            break
    else:
        if captured.cut:
            stream["fault"] = {"kind": "disconnect", "after_events": len(events)}
    if stream:
        reply["stream"] = stream
    return reply
