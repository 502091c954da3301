"""A chat-completions stream laid out for the shared sender: paced and faulted as the
/v1/messages streams are (render.send_stream), in OpenAI's chunk shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..draft import Draft
from ..scripting.stream_plan import Pacing, StreamFault, StreamPlan
from ..streaming.events import Event
from ..streaming.render import StreamBody, fault_message, send_stream, stream_pacing
from ..streaming.sse_schedule import paced_delays, text_tokens
from .chunks import DONE, chunks, frame

# The closing `data: [DONE]`, journaled as an event of its own so a fault can strike
# after the last chunk but before it.
DONE_EVENT: Event = ("done", {})


def chunk_tokens(item: Mapping[str, Any]) -> int:
    """Tokens a chunk carries (its text or argument fragment), for pacing."""
    for choice in item.get("choices") or ():
        delta = choice.get("delta") or {}
        pieces = [delta.get("content") or ""]
        for call in delta.get("tool_calls") or ():
            pieces.append((call.get("function") or {}).get("arguments") or "")
        return text_tokens("".join(pieces))
    return 0


def error_chunk(fault: StreamFault, request_id: str) -> tuple[Event, bytes]:
    """An error mid-stream as OpenAI's streams carry one: a data line holding an `error`
    object and no `choices`, which the OpenAI SDK raises as APIError. That the
    compatibility layer words it so is a guess: it documents no mid-stream error."""
    error = {"message": fault_message(fault), "type": fault.error_type, "param": None, "code": None}
    data = {"error": error}
    return ("error", data), frame(data)


def stream_body(message: Mapping[str, Any], include_usage: bool, pacing: Pacing) -> StreamBody:
    items = chunks(message, include_usage=include_usage, chunk_chars=pacing.chunk_chars)
    events: list[Event] = [("chunk", item) for item in items]
    frames = [frame(item) for item in items]
    tokens = [chunk_tokens(item) for item in items]
    # The role chunk goes out at once; the time to first token is spent before the next.
    delays = paced_delays([*tokens, 0], 1, pacing)
    return StreamBody([*events, DONE_EVENT], [*frames, DONE], delays)


async def stream_completion(
    request: web.Request,
    draft: Draft,
    message: Mapping[str, Any],
    headers: Mapping[str, str],
    plan: StreamPlan,
    *,
    include_usage: bool,
) -> web.StreamResponse:
    pacing = stream_pacing(request, plan)
    body = stream_body(message, include_usage, pacing)
    # No pings: OpenAI's streams send no keepalive event, and what the layer sends on a
    # quiet stream is not documented.
    return await send_stream(
        request, draft, headers, body, fault=plan.fault, on_error=error_chunk, ping_interval=None
    )
