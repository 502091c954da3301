"""POST /v1/chat/completions: convert, run the Messages pipeline, convert back."""

from __future__ import annotations

from aiohttp import web

from ..draft import Draft
from ..messages.handlers import Checked, Door, answer_request, check_request
from ..state import ServerState
from .headers import check_openai_headers
from .request import to_messages_request
from .response import completion
from .stream import stream_completion

DOOR = Door("openai", check_openai_headers, to_messages_request)


async def chat_completions(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    checked = await check_request(request, state, draft, "messages", DOOR)
    if not isinstance(checked, Checked):
        return checked
    message, headers, plan, streamed = await answer_request(
        request, state, draft, checked, DOOR.api
    )
    if not streamed:
        result = completion(message)
        draft.response = result
        return await checked.struck.respond(request, draft, result, headers)
    options = draft.body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return await stream_completion(
        request, draft, message, headers, plan, include_usage=include_usage
    )
