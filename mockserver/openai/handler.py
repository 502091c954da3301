"""POST /v1/chat/completions: convert, run the Messages pipeline, convert back."""

from __future__ import annotations

from aiohttp import web

from ..handlers import Checked, Door, answer_request, check_request
from ..keys import Draft
from ..state import ServerState
from .chunks import chunks, frames
from .headers import check_openai_headers
from .request import to_messages_request
from .response import completion

DOOR = Door("openai", check_openai_headers, to_messages_request)


async def chat_completions(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    checked = await check_request(request, state, draft, "messages", DOOR)
    if not isinstance(checked, Checked):
        return checked
    message, headers, _plan, streamed = await answer_request(
        request, state, draft, checked, DOOR.api
    )
    if not streamed:
        result = completion(message)
        draft.response = result
        return await checked.struck.respond(request, draft, result, headers)
    options = draft.body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    items = chunks(message, include_usage=include_usage)
    draft.streamed = True
    # Journaled as (name, data) pairs, as the other door's events are.
    draft.response = [("chunk", item) for item in items]
    draft.events_sent = len(items)
    response = web.StreamResponse(
        status=200,
        headers={
            **headers,
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
        },
    )
    try:
        await response.prepare(request)
        await response.write_eof(frames(items))
    except ConnectionError:
        draft.interrupted = True
    return response
