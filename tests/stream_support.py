"""Stream ≡ plain message: the checks every streaming test (and the scenario sweep) shares.

A stream is right when what a client accumulates from it is exactly the Message the same
request returns without `stream`. Two requests mint different ids, so ids are compared
by position (the first id seen in each message must be at the same place, and so on).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anthropic
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message
from pydantic import BaseModel

from mockserver.report.journal import Exchange
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, rule
from mockserver.server import MockServer

_ID_KEYS = frozenset({"id", "tool_use_id"})


# Citations as the API returns them on text blocks (shared by the event and HTTP tests).
CHAR_CITATION = {
    "type": "char_location",
    "cited_text": "The sky is blue.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 16,
    "file_id": None,
}

WEB_CITATION = {
    "type": "web_search_result_location",
    "cited_text": "Paris is the capital of France.",
    "encrypted_index": "EpABCiQ",
    "title": "Paris",
    "url": "https://example.com/paris",
}


def accumulate(events: Iterable[tuple[str, Mapping[str, Any]]]) -> Message:
    """What the SDK's stream helper builds from these (name, data) events."""
    snapshot = None
    buffers: dict[int, bytes] = {}
    for name, data in events:
        if name == "ping":
            continue
        event: Any = dict(data)
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None, "no message_start in the stream"
    return snapshot


def _with_ids_by_position(value: Any, seen: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                seen.setdefault(v, f"<id {len(seen)}>")
                if k in _ID_KEYS and isinstance(v, str)
                else _with_ids_by_position(v, seen)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_ids_by_position(v, seen) for v in value]
    return value


def comparable(message: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """The message as plain JSON, unset and null fields alike dropped, ids by position."""
    if isinstance(message, BaseModel):
        plain = message.model_dump(mode="json", exclude_none=True)
    else:
        plain = Message.model_validate(dict(message)).model_dump(mode="json", exclude_none=True)
    result: dict[str, Any] = _with_ids_by_position(plain, {})
    return result


def assert_same_message(
    streamed: BaseModel | Mapping[str, Any], plain: BaseModel | Mapping[str, Any]
) -> None:
    assert comparable(streamed) == comparable(plain)


def stream_and_create(client: anthropic.Anthropic, **params: Any) -> tuple[Message, Message]:
    """The same request streamed (through `messages.stream`) and not; both final Messages."""
    with client.messages.stream(**params) as stream:
        streamed = stream.get_final_message()
    return streamed, client.messages.create(**params)


def parse_sse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Frames of an SSE body as (event, data) pairs; every frame must name its event."""
    events: list[tuple[str, dict[str, Any]]] = []
    for frame in raw.decode().split("\n\n"):
        if not frame:
            continue
        name_line, data_line = frame.split("\n")
        assert name_line.startswith("event: "), frame
        assert data_line.startswith("data: "), frame
        events.append((name_line[7:], json.loads(data_line[6:])))
    return events


def answer_with(server: MockServer, reply: Reply) -> None:
    """Every request gets `reply` until the server is reset."""
    server.add(Scenario(name="streaming", rules=[rule(reply)]))


def wait_for_stream_end(server: MockServer, count: int = 1, timeout: float = 3.0) -> list[Exchange]:
    """The streamed exchanges, once `count` of them are journaled (a stream the client
    left is journaled when the server notices, a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        streamed = [e for e in server.journal.messages() if e.streamed]
        if len(streamed) >= count or time.monotonic() > deadline:
            assert len(streamed) >= count, f"{len(streamed)} of {count} streams journaled"
            return streamed
        time.sleep(0.02)
