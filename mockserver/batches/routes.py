"""The `/v1/messages/batches` endpoints: create, retrieve, list, cancel, delete, results."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ..contract.context import RequestContext
from ..draft import Draft
from ..errors import InvalidRequest, NotFound, RateLimited
from ..http.body import JSON_CONTENT_TYPES, check_content_type
from ..http.headers import check_headers
from ..http.pages import id_page
from ..messages.envelope import api_route
from ..messages.gate import NO_FAULT, RATE_LIMIT_STEP, play_fault
from ..messages.handlers import response_headers
from ..state import ServerState
from ..streaming.render import json_response
from .create import batch_requests, read_body
from .process import settle
from .store import Batch, result_line

PATH = "/v1/messages/batches"


def _base_url(request: web.Request) -> str:
    # The host the client called (Host header): results_url must lead back to this server.
    return f"{request.scheme}://{request.host}"


def _find(request: web.Request, state: ServerState) -> Batch:
    batch_id = request.match_info["batch_id"]
    batch = state.batches.get(batch_id)
    if batch is None:
        # Wording unverified: the API's 404 for an unknown batch id is not published.
        raise NotFound(f"message_batch_id: {batch_id}")
    settle(state, batch)
    return batch


def _answer(
    state: ServerState, ctx: RequestContext, draft: Draft, body: dict[str, Any]
) -> web.Response:
    draft.response = body
    return json_response(body, response_headers(state, ctx))


async def create_batch(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    content_type = request.headers.get("content-type")
    if content_type is not None and content_type not in JSON_CONTENT_TYPES:
        check_content_type(content_type)
    body, draft.body_size = await read_body(request)
    draft.body = body
    struck = (
        await play_fault(request, draft, state.faults, ctx, body, endpoint="batches")
        if state.faults.in_force
        else NO_FAULT
    )
    if struck.dropped is not None:
        return struck.dropped
    requests = batch_requests(body)
    headers = response_headers(state, ctx) | _admit(state, draft, ctx, requests[0][1])
    now = state.clock.now()
    batch = state.batches.add(ctx, requests, now, state.config.batch_processing_seconds)
    # The answer is the batch as accepted (in progress, as the API's always is); what is due
    # at once (no processing time) runs right after.
    answer = batch.to_json(now, _base_url(request))
    settle(state, batch)
    draft.response = answer
    return await struck.respond(request, draft, answer, headers)


def _admit(
    state: ServerState, draft: Draft, ctx: RequestContext, first: dict[str, Any]
) -> dict[str, str]:
    """A create takes one request from its key's per-minute limit (its requests' tokens are
    the batch queue's, not counted here); the rate-limit headers to send."""
    if state.limits.unlimited or state.limits.limits_for(ctx.api_key) is None:
        return state.limits.headers(ctx.api_key)
    try:
        admission = state.limits.admit(
            ctx.api_key,
            input_tokens=0,
            output_tokens=0,
            org_id=state.organization_id,
            model=str(first.get("model")),
        )
    except RateLimited:
        draft.step = RATE_LIMIT_STEP
        raise
    return admission.finish({}, streamed=False)


async def retrieve_batch(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    batch = _find(request, state)
    return _answer(state, ctx, draft, batch.to_json(state.clock.now(), _base_url(request)))


async def list_batches(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    batches = state.batches.newest_first()
    for batch in batches:
        settle(state, batch)
    now, base_url = state.clock.now(), _base_url(request)
    page = id_page(
        batches, _batch_id, request.query, "message batch", lambda b: b.to_json(now, base_url)
    )
    return _answer(state, ctx, draft, page)


def _batch_id(batch: Batch) -> str:
    return batch.id


async def cancel_batch(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    batch = _find(request, state)
    if batch.ended_at is not None:
        # Wording unverified: the API refuses to cancel a batch that has ended.
        raise InvalidRequest(f"Batch {batch.id} has already ended and cannot be canceled")
    now = state.clock.now()
    batch.cancel_initiated_at = now
    # Nothing is in flight in the mock: what had not run is canceled at once, and the
    # batch reads as ended from the next look on (the API takes a while to wind down).
    batch.close(now, "canceled")
    return _answer(state, ctx, draft, batch.to_json(now, _base_url(request), canceling=True))


async def delete_batch(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    batch = _find(request, state)
    if batch.ended_at is None:
        # Wording unverified: the API deletes only ended batches (cancel first).
        raise InvalidRequest(
            f"Batch {batch.id} cannot be deleted while it is in progress; cancel it first"
        )
    state.batches.remove(batch.id)
    return _answer(state, ctx, draft, {"id": batch.id, "type": "message_batch_deleted"})


async def batch_results(
    request: web.Request, state: ServerState, draft: Draft
) -> web.StreamResponse:
    ctx = check_headers(request.headers, state.config, draft.request_id)
    batch = _find(request, state)
    if batch.ended_at is None:
        # Wording unverified: results exist only once the batch has ended.
        raise InvalidRequest(f"Batch {batch.id} has not ended yet; its results are not ready")
    if batch.archived(state.clock.now()):
        # Wording unverified: results are kept 29 days after creation, then gone.
        raise NotFound(f"Results for batch {batch.id} are no longer available")
    data = b"".join(orjson.dumps(result_line(item)) + b"\n" for item in batch.items)
    # The journal keeps how many lines were sent, not the results again.
    draft.response = {"results": len(batch.items)}
    return web.Response(
        body=data, headers=response_headers(state, ctx), content_type="application/x-jsonl"
    )


def add_batch_routes(router: web.UrlDispatcher, state: ServerState) -> None:
    router.add_post(PATH, api_route(state, create_batch))
    router.add_get(PATH, api_route(state, list_batches))
    router.add_get(PATH + "/{batch_id}", api_route(state, retrieve_batch))
    router.add_delete(PATH + "/{batch_id}", api_route(state, delete_batch))
    router.add_post(PATH + "/{batch_id}/cancel", api_route(state, cancel_batch))
    router.add_get(PATH + "/{batch_id}/results", api_route(state, batch_results))
