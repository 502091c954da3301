"""Stage 7a: a Message → the ordered SSE events the API streams for it. Pure, no I/O.

Every event is built so that a client accumulating the stream (the SDKs' stream helpers)
ends with exactly the Message the non-streamed call returns.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from typing import Any

from ..accounting.usage import delta_usage, start_usage

Event = tuple[str, dict[str, Any]]

PING: Event = ("ping", {"type": "ping"})

# Result blocks, redacted thinking and anything unknown arrive whole in their start event.
_INPUT_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
# Message fields a stream sends in message_delta's `delta`, not in message_start.
_DELTA_ONLY = ("container", "safeguard_results")


def split_text(text: str, size: int) -> list[str]:
    """Fixed-size pieces, as text and thinking deltas arrive."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def split_json(text: str, size: int, seed: int) -> list[str]:
    """Pieces of uneven length cut anywhere (inside strings, numbers, escapes), as the API
    streams tool input: clients must only ever parse the concatenation."""
    rng = random.Random(seed)
    top = max(1, size)
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = start + rng.randint(1, top)
        pieces.append(text[start:end])
        start = end
    return pieces


def _start(index: int, block: Mapping[str, Any]) -> Event:
    return "content_block_start", {
        "type": "content_block_start",
        "index": index,
        "content_block": block,
    }


def _delta(index: int, delta: dict[str, Any]) -> Event:
    return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}


def _block_events(index: int, block: Mapping[str, Any], chunk: int, seed: int) -> Iterator[Event]:
    kind = block.get("type")
    if kind == "text":
        citations = block.get("citations")
        # The shell has `citations: []` only when the block has citations (recorded
        # streams); an uncited block's shell leaves the field out, as the Message does,
        # so both accumulate to what the Message says.
        shell: dict[str, Any] = {"type": "text", "text": ""}
        if citations is not None:
            shell["citations"] = []
        yield _start(index, shell)
        for citation in citations or ():
            yield _delta(index, {"type": "citations_delta", "citation": citation})
        for piece in split_text(block.get("text", ""), chunk):
            yield _delta(index, {"type": "text_delta", "text": piece})
    elif kind == "thinking":
        yield _start(index, {"type": "thinking", "thinking": "", "signature": ""})
        for piece in split_text(block.get("thinking", ""), chunk):
            yield _delta(index, {"type": "thinking_delta", "thinking": piece})
        yield _delta(index, {"type": "signature_delta", "signature": block.get("signature", "")})
    elif kind in _INPUT_BLOCKS:
        yield _start(index, {k: v for k, v in block.items() if k != "input"} | {"input": {}})
        yield _delta(index, {"type": "input_json_delta", "partial_json": ""})
        tool_input = block.get("input") or {}
        # An empty input is only the opening "" fragment: the shell's {} stands.
        if tool_input:
            encoded = json.dumps(tool_input, ensure_ascii=False)
            for piece in split_json(encoded, chunk, seed * 1009 + index):
                yield _delta(index, {"type": "input_json_delta", "partial_json": piece})
    else:
        yield _start(index, dict(block))
    yield "content_block_stop", {"type": "content_block_stop", "index": index}


def message_events(
    message: Mapping[str, Any], *, chunk_chars: int = 24, seed: int = 0
) -> list[Event]:
    """The events of one streamed Message, in wire order (ping after the first block start)."""
    # `container` and `safeguard_results` are only known at the end: message_delta's.
    shell = {k: v for k, v in message.items() if k not in _DELTA_ONLY} | {
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "stop_details": None,
        "usage": start_usage(message["usage"]),
    }
    events: list[Event] = [("message_start", {"type": "message_start", "message": shell})]
    for index, block in enumerate(message["content"]):
        events.extend(_block_events(index, block, chunk_chars, seed))
    events.insert(2 if len(events) > 1 else 1, PING)
    delta: dict[str, Any] = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message["stop_sequence"],
        "stop_details": message.get("stop_details"),
    }
    for name in _DELTA_ONLY:
        if message.get(name) is not None:
            delta[name] = message[name]
    events.append(
        (
            "message_delta",
            {"type": "message_delta", "delta": delta, "usage": delta_usage(message["usage"])},
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


# The API writes ping's JSON with a space after the colon, unlike every other event.
_PING_FRAME = b'event: ping\ndata: {"type": "ping"}\n\n'

# Deltas are nearly every frame of a stream; these carry one string each and are
# written from a template (the same bytes json.dumps gives, several times faster).
_DELTA_STRING_FIELD = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "input_json_delta": "partial_json",
    "signature_delta": "signature",
}
_encode_string = json.encoder.encode_basestring


def _delta_frame(data: Mapping[str, Any]) -> bytes | None:
    delta = data.get("delta")
    if len(data) != 3 or not isinstance(delta, dict) or len(delta) != 2:
        return None
    kind = delta.get("type")
    field = _DELTA_STRING_FIELD.get(kind) if isinstance(kind, str) else None
    value = delta.get(field) if field else None
    index = data.get("index")
    if (
        not isinstance(value, str)
        or type(index) is not int
        or data.get("type") != "content_block_delta"
    ):
        return None
    return (
        f'event: content_block_delta\ndata: {{"type":"content_block_delta","index":{index},'
        f'"delta":{{"type":"{kind}","{field}":{_encode_string(value)}}}}}\n\n'
    ).encode()


def sse_frame(name: str, data: Mapping[str, Any]) -> bytes:
    """One SSE frame: `event: <name>`, `data: <compact JSON>`, a blank line."""
    try:
        if name == "ping":
            return _PING_FRAME
        if name == "content_block_delta" and (frame := _delta_frame(data)) is not None:
            return frame
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        # A lone surrogate cannot travel as UTF-8; the escaped form is still valid JSON.
        payload = json.dumps(data, separators=(",", ":")).encode()
    return b"event: " + name.encode() + b"\ndata: " + payload + b"\n\n"
