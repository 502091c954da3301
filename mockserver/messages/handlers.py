"""POST /v1/messages and /v1/messages/count_tokens: each handler is the pipeline, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from multidict import CIMultiDictProxy

from .. import ids
from ..accounting.segment import Segment
from ..accounting.stopping import check_context_window
from ..accounting.tokens import input_segments
from ..accounting.usage import STANDARD_TIER
from ..catalog import ModelSpec
from ..config import Config
from ..contract.check import Kind, check_rules, check_shape
from ..contract.context import RequestContext
from ..contract.error_catalog import scripted_error
from ..contract.thinking_drops import (
    dropped_blocks,
    drops_rebound_blocks,
    input_transformations,
    reports_transformations,
    without,
)
from ..draft import Draft
from ..errors import NotFound
from ..files.resolve import MARKER, inline_files
from ..http.body import JSON_CONTENT_TYPES, check_content_type, parse_body
from ..http.body_read import read_body, undecodable
from ..http.headers import check_headers
from ..report.warn_headers import violation_headers
from ..scripting.reply import Reply
from ..scripting.stream_plan import StreamPlan
from ..signing.signer import BlockCheck
from ..state import ServerState
from ..streaming.render import stream_response
from .gate import NO_FAULT, Struck, admit, play_fault
from .message import account_input, build_message
from .safeguards import safeguard_results

_TOKENS = attrgetter("tokens")
# A model's thinking mode when the request sets none.
_ADAPTIVE, _OFF = "adaptive", "disabled"


def response_headers(state: ServerState, ctx: RequestContext) -> dict[str, str]:
    return {"request-id": ctx.request_id, "anthropic-organization-id": state.organization_id}


class Door(NamedTuple):
    """How a route other than /v1/messages reaches the same pipeline: its own header check,
    and the conversion of its body into a Messages request (run after a fault could strike,
    before validation)."""

    api: str
    check_headers: Callable[[CIMultiDictProxy[str], Config, str], RequestContext]
    convert: Callable[[dict[str, Any]], dict[str, Any]]


class Checked(NamedTuple):
    """A request past stages 1-4: who sent it, what it says, and what it costs."""

    ctx: RequestContext
    body: dict[str, Any]
    model: ModelSpec | None
    model_id: str
    segments: list[Segment]
    struck: Struck
    # Thinking blocks removed before the model sees the prompt (counted as nothing).
    dropped: tuple[BlockCheck, ...]


async def check_request(
    request: web.Request, state: ServerState, draft: Draft, kind: Kind, door: Door | None = None
) -> Checked | web.StreamResponse:
    """Headers, body, an injected fault, schema, model, rules; or the dropped connection.

    The stages are written out here rather than each in a helper of its own: this runs for
    every request, and the calls were a measurable part of a small request's time.
    """
    headers = request.headers
    if door is None:
        ctx = check_headers(headers, state.config, draft.request_id)
    else:
        ctx = door.check_headers(headers, state.config, draft.request_id)
    content_type = headers.get("content-type")
    if content_type is not None and content_type not in JSON_CONTENT_TYPES:
        check_content_type(content_type)
    content = request.content
    # A small body has usually all arrived with the headers: taken from the buffer at once,
    # without request.read()'s chunk loop (a tenth of the framework's work on such a request).
    try:
        raw = (
            content.read_nowait()
            if content.is_eof()
            else await read_body(request, state.config.body_read_timeout)
        )
    except RequestPayloadError:
        raise undecodable(request) from None
    body = parse_body(raw, state.config.max_body_bytes)
    draft.body, draft.raw, draft.body_size = body, raw, len(raw)
    # One substring search (no call) on the plain path; a thread continuation brings
    # earlier turns, and their file references, with it.
    files_named = MARKER in raw or "thread" in body
    # Most servers have no fault rule in force: no coroutine is made for them.
    struck = (
        await play_fault(request, draft, state.faults, ctx, body, endpoint=kind)
        if state.faults.in_force
        else NO_FAULT
    )
    if struck.dropped is not None:
        return struck.dropped
    if door is not None:
        # The journal keeps the body as sent; every later stage sees the converted one.
        body = door.convert(body)
    body, spec, model_id, segments, dropped = check_body(
        state, draft, kind, body, ctx, files_named=files_named
    )
    return Checked(ctx, body, spec, model_id, segments, struck, dropped)


class Body(NamedTuple):
    """A parsed body past the schema, the model and the rules (stages 3-4)."""

    body: dict[str, Any]
    model: ModelSpec | None
    model_id: str
    segments: list[Segment]
    dropped: tuple[BlockCheck, ...]


def check_body(
    state: ServerState,
    draft: Draft,
    kind: Kind,
    body: dict[str, Any],
    ctx: RequestContext,
    *,
    files_named: bool,
) -> Body:
    """Schema, model, context window and rules for one body (raised as the API answers);
    also how each request of a message batch is checked. `files_named`: the body may refer
    to uploaded files, which are then resolved."""
    if kind == "messages" and "thread" in body:
        # A thread continuation: validation and matching see the whole conversation.
        body = state.threads.expand(body)
    check_shape(state, draft, kind, body, ctx)
    model_id = body.get("model")
    spec = state.catalog.get(model_id) if isinstance(model_id, str) else None
    if (spec is None and not state.config.any_model) or (spec is not None and not spec.served):
        # A retired model is refused as an unknown one is (observed: claude-3-5-sonnet-20241022
        # and claude-sonnet-4-20250514 after their retirement, 404 `model: <id>`).
        raise NotFound(f"model: {model_id}")
    dropped: tuple[BlockCheck, ...] = ()
    counted = body
    if drops_rebound_blocks(body, spec):
        dropped = dropped_blocks(body, state.signer)
        if dropped:
            counted = without(body, dropped)
    if files_named:
        # Checked against the sender's files, and costed as the same bytes sent inline.
        counted = inline_files(counted, state.files, ctx.api_key)
    segments = input_segments(counted, state.tokenizer)
    problem = None
    if spec is not None:
        max_tokens = body.get("max_tokens") if spec.max_tokens_within_context else None
        problem = check_context_window(
            sum(map(_TOKENS, segments)),
            spec.context_window,
            max_tokens if type(max_tokens) is int else None,
        )
    check_rules(state, draft, kind, body, ctx, model=spec, extra=(problem,))
    return Body(body, spec, spec.id if spec else str(model_id), segments, dropped)


def take_step(
    state: ServerState,
    draft: Draft,
    ctx: RequestContext,
    body: dict[str, Any],
    model: ModelSpec | None,
    *,
    api: str,
) -> Reply:
    """The scenario step (or default reply) that answers `body`, noted on the draft; `api`
    is the door it came through, for steps restricted to one."""
    answer = state.scenarios.answer(
        body,
        ctx.api_key,
        ctx.headers,
        _ADAPTIVE if model and model.thinks_by_default else _OFF,
        api=api,
    )
    draft.step, draft.unmatched = answer.step, answer.unmatched
    draft.near_misses, draft.scenario_error = answer.near_misses, answer.scenario_error
    return answer.reply


def compose_message(
    state: ServerState,
    ctx: RequestContext,
    checked: Body,
    reply: Reply,
    *,
    service_tier: str = STANDARD_TIER,
) -> dict[str, Any]:
    """The Message `reply` makes (a scripted error raised), its input read from and written
    to the prompt cache."""
    if reply.error is not None:
        raise scripted_error(reply.error)
    body, model, model_id = checked.body, checked.model, checked.model_id
    message_id = ids.message_id()
    cached = account_input(
        state.cache,
        api_key=ctx.api_key,
        model=model,
        model_id=model_id,
        body=body,
        segments=checked.segments,
        write=True,
        message_id=message_id,
    )
    message = build_message(
        body,
        reply,
        model=model,
        model_id=model_id,
        cached=cached,
        message_id=message_id,
        tokenizer=state.tokenizer,
        signer=state.signer,
        service_tier=service_tier,
    )
    if reports_transformations(ctx.betas, model):
        message["input_transformations"] = input_transformations(checked.dropped)
    asked = body.get("safeguards")
    if isinstance(asked, list):
        message["safeguard_results"] = safeguard_results(asked, message["content"], ctx.betas)
    if "thread" in body:
        state.threads.record(body, message)
    return message


class Answered(NamedTuple):
    """A request past every stage but the last: the Message, its headers, how to stream it."""

    message: dict[str, Any]
    headers: dict[str, str]
    plan: StreamPlan
    streamed: bool


async def answer_request(
    request: web.Request,
    state: ServerState,
    draft: Draft,
    checked: Checked,
    api: str,
    *,
    reply: Reply | None = None,
) -> Answered:
    """Admission, the scenario's answer and the accounting: the Message to render.

    `api` names the door the request came through, for scenario steps restricted to one;
    `reply`: the step already taken for it (a recording replayed), else it is taken here.
    """
    ctx, body, model, model_id, segments, struck, dropped = checked
    # No key limited: every request is admitted, counted once answered.
    admission = (
        state.limits.counted(ctx.api_key, body.get("max_tokens"))
        if state.limits.unlimited
        else admit(state, draft, ctx, body, spec=model, segments=segments)
    )
    if reply is None:
        reply = take_step(state, draft, ctx, body, model, api=api)
    if reply.delay:
        await asyncio.sleep(reply.delay)
    message = compose_message(state, ctx, Body(body, model, model_id, segments, dropped), reply)
    streamed = body.get("stream") is True
    headers = response_headers(state, ctx) | admission.finish(message["usage"], streamed=streamed)
    if draft.problems:
        # Only a request answered despite violations gets here with problems (strictness warn).
        headers |= violation_headers(draft.problems)
    plan = struck.stream_plan(request, reply.stream, message) if streamed else reply.stream
    return Answered(message, headers, plan, streamed)


async def create_message(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    if state.recorder is not None:
        # Proxy mode: the plain mock pays this one test, nothing more.
        return await state.recorder.handle(request, state, draft, "messages")
    checked = await check_request(request, state, draft, "messages")
    if not isinstance(checked, Checked):
        return checked
    return await respond_message(request, state, draft, checked)


async def respond_message(
    request: web.Request,
    state: ServerState,
    draft: Draft,
    checked: Checked,
    *,
    reply: Reply | None = None,
) -> web.StreamResponse:
    """A checked /v1/messages request answered here (from `reply` when already taken)."""
    message, headers, plan, streamed = await answer_request(
        request, state, draft, checked, "anthropic", reply=reply
    )
    if streamed:
        return await stream_response(request, draft, message, headers, plan)
    draft.response = message
    return await checked.struck.respond(request, draft, message, headers)


async def count_tokens(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    """The total input a create with the same body would report; never fills the cache."""
    if state.recorder is not None:
        return await state.recorder.handle(request, state, draft, "count_tokens")
    checked = await check_request(request, state, draft, "count_tokens")
    if not isinstance(checked, Checked):
        return checked
    ctx = checked.ctx
    cached = account_input(
        state.cache,
        api_key=ctx.api_key,
        model=checked.model,
        model_id=checked.model_id,
        body=checked.body,
        segments=checked.segments,
        write=False,
    )
    total = (
        cached.input_tokens + cached.cache_creation_input_tokens + cached.cache_read_input_tokens
    )
    result = {"input_tokens": total}
    draft.response = result
    headers = response_headers(state, ctx) | violation_headers(draft.problems)
    return await checked.struck.respond(request, draft, result, headers)
