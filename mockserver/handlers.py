"""POST /v1/messages and /v1/messages/count_tokens: each handler is the pipeline, in order."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from .body import check_content_type, parse_body
from .catalog import ModelSpec
from .context import RequestContext
from .default_reply import default_reply
from .errors import NotFound
from .headers import check_headers
from .keys import STATE, draft_of
from .message import build_message
from .render import json_response, stream_response
from .state import ServerState


async def read_request(request: web.Request, state: ServerState) -> tuple[RequestContext, dict[str, Any]]:
    """Stages 1–2: headers, then the body (its size, type and JSON)."""
    draft = draft_of(request)
    ctx = check_headers(request.headers, state.config, draft.request_id)
    if "content-type" in request.headers:
        check_content_type(request.headers["content-type"])
    body = parse_body(await request.read(), state.config.max_body_bytes)
    draft.body = body
    return ctx, body


def resolve_model(state: ServerState, body: dict[str, Any]) -> ModelSpec | None:
    model_id = body.get("model")
    spec = state.catalog.get(model_id) if isinstance(model_id, str) else None
    if spec is None and not state.config.any_model:
        raise NotFound(f"model: {model_id}")
    return spec


def response_headers(state: ServerState, ctx: RequestContext) -> dict[str, str]:
    return {"request-id": ctx.request_id, "anthropic-organization-id": state.organization_id}


async def create_message(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    draft = draft_of(request)
    ctx, body = await read_request(request, state)
    body = state.threads.expand(body)
    spec = resolve_model(state, body)
    answer = state.scenarios.answer(body, ctx.api_key, ctx.headers)
    draft.step, draft.unmatched = answer.step, answer.unmatched
    draft.near_misses, draft.scenario_error = answer.near_misses, answer.scenario_error
    reply = answer.reply
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.error is not None:
        raise reply.error.to_error()
    message = build_message(
        body, reply, model=spec.id if spec else str(body["model"]), sign=lambda _: "sig"
    )
    state.threads.record(body, message)
    headers = response_headers(state, ctx)
    if body.get("stream") is True:
        return await stream_response(request, message, headers, reply.stream)
    draft.response = message
    return json_response(message, headers)


async def count_tokens(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    draft = draft_of(request)
    ctx, body = await read_request(request, state)
    resolve_model(state, body)
    message = build_message(body, default_reply(body), model="", sign=lambda _: "")
    result = {"input_tokens": message["usage"]["input_tokens"]}
    draft.response = result
    return json_response(result, response_headers(state, ctx))
