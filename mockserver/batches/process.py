"""Each request of a batch, answered as `POST /v1/messages` would answer it, when its time comes.

Requests run lazily: whenever a batch is looked at, those due by the server's clock are
answered first, in order. So a test that moves the clock sees the batch where the real one
would be, and a canceled batch never uses up the scenario steps of what it did not run.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from .. import ids
from ..draft import Draft
from ..errors import ApiError, InternalServer, InvalidRequest
from ..http.body import too_deep
from ..messages.envelope import exchange_of
from ..messages.handlers import check_body, compose_message, take_step
from ..report.journal import MESSAGES_PATH
from ..state import ServerState
from .store import Batch, Item

log = logging.getLogger("mockserver")

BATCH_TIER = "batch"


def settle(state: ServerState, batch: Batch) -> None:
    """Run what is due by now; end the batch once its last request is due or it expires."""
    if batch.ended_at is not None:
        return
    now = state.clock.now()
    for item in batch.due(now):
        run(state, batch, item)
    if now >= batch.finishes_at:
        # Whatever is left was due after the batch's 24 hours ran out.
        batch.close(batch.finishes_at, "expired")


def run(state: ServerState, batch: Batch, item: Item) -> None:
    """Answer one request, journaled as its own exchange tagged with the batch and custom_id."""
    draft = Draft(request_id=ids.request_id(), headers=batch.ctx.headers)
    draft.body = item.params
    draft.extra = {"batch_id": batch.id, "custom_id": item.custom_id}
    status = 200
    try:
        message = _answer(state, draft, batch, item.params)
        item.result = {"type": "succeeded", "message": message}
        draft.response = message
    except Exception as exc:
        error = _as_api_error(exc)
        status = error.status_code
        draft.response = error.body(draft.request_id)
        item.result = {"type": "errored", "error": draft.response}
    state.journal.add(partial(exchange_of, draft, "POST", MESSAGES_PATH, status))


def _answer(
    state: ServerState, draft: Draft, batch: Batch, params: dict[str, Any]
) -> dict[str, Any]:
    if params.get("stream") is True:
        # Wording unverified: a batch's requests cannot stream (the API's params type is the
        # non-streaming one), but the real message for one that asks is not published.
        raise InvalidRequest("stream: Streaming is not supported in Message Batches")
    ctx = batch.ctx
    # A batch's params come parsed, without their bytes to search: files are looked for.
    checked = check_body(state, draft, "messages", params, ctx, files_named=True)
    reply = take_step(state, draft, ctx, checked.body, checked.model, api="anthropic")
    # A scripted delay has no meaning here: the batch's processing time is the clock's.
    return compose_message(state, ctx, checked, reply, service_tier=BATCH_TIER)


def _as_api_error(exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, RecursionError):
        return too_deep()
    # A bug of ours: logged, and that one request errored as the API's 500 would leave it,
    # rather than every later look at the batch failing.
    log.error("internal error while answering a batch request", exc_info=exc)
    return InternalServer()
