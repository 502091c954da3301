"""Stage 7b: write a Message as JSON or as an SSE stream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .events import message_events, sse_frame


def json_response(
    body: Mapping[str, Any], headers: Mapping[str, str], status: int = 200
) -> web.Response:
    return web.json_response(dict(body), status=status, headers=dict(headers))


async def stream_response(
    request: web.Request, message: Mapping[str, Any], headers: Mapping[str, str]
) -> tuple[web.StreamResponse, list[tuple[str, dict[str, Any]]]]:
    events = message_events(message)
    response = web.StreamResponse(
        status=200,
        headers={
            **headers,
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
        },
    )
    await response.prepare(request)
    for name, data in events:
        await response.write(sse_frame(name, data))
    await response.write_eof()
    return response, events
