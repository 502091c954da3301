"""The handlers' hooks for injected faults and rate limits.

`play_fault` runs right after the headers and body are read (the API key and `stream`
are known, nothing is answered yet); `admit` runs after validation, before a scenario
step is taken, so neither a fault nor a 429 uses up a step. The `Struck` result then
shapes the answer on its way out (a cut body, a fault inside the stream).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from aiohttp import web

from ..accounting.segment import Segment
from ..catalog import ModelSpec
from ..contract.context import RequestContext
from ..contract.error_catalog import scripted_error
from ..draft import Draft
from ..errors import RateLimited
from ..faults.ratelimit import Admission
from ..faults.rules import Fault, FaultBook, Target
from ..scripting.script import SESSION_HEADER
from ..scripting.stream_plan import StreamFault, StreamPlan
from ..state import ServerState
from ..streaming.events import message_events, sse_frame
from ..streaming.render import json_response, stream_pacing
from .message import account_input

# What a dropped connection is journaled with: no HTTP status was ever sent.
NO_RESPONSE = 0
RATE_LIMIT_STEP = "rate-limit"


@dataclass(frozen=True)
class Struck:
    """The fault a request drew (None: none), for the stages after the pipeline's start."""

    fault: Fault | None = None
    # Set when the connection was dropped: the handler returns it at once.
    dropped: web.StreamResponse | None = None

    def stream_plan(
        self, request: web.Request, plan: StreamPlan, message: Mapping[str, Any]
    ) -> StreamPlan:
        """The reply's stream plan, with this fault inside the stream if it has one there."""
        fault = self.fault
        if fault is None or fault.kind not in ("truncate", "stream"):
            return plan
        if fault.stream is not None:
            return replace(plan, fault=fault.stream)
        pacing = stream_pacing(request, plan)
        events = message_events(message, chunk_chars=pacing.chunk_chars, seed=pacing.seed)
        size = sum(len(sse_frame(name, data)) for name, data in events)
        return replace(plan, fault=StreamFault("disconnect", after_bytes=int(size * fault.keep)))

    async def respond(
        self,
        request: web.Request,
        draft: Draft,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
    ) -> web.StreamResponse:
        """The JSON answer, or its first part only when the fault truncates it."""
        if self.fault is None or self.fault.kind != "truncate":
            return json_response(body, headers)
        data = json.dumps(body).encode()
        response = web.StreamResponse(
            status=200, headers={**headers, "content-type": "application/json; charset=utf-8"}
        )
        # The full length is announced, so the client waits for bytes that never come.
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: int(len(data) * self.fault.keep)])
        _close(request)
        draft.interrupted = True
        return response


NO_FAULT = Struck()


def _close(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


async def play_fault(
    request: web.Request,
    draft: Draft,
    faults: FaultBook,
    ctx: RequestContext,
    body: Mapping[str, Any],
    *,
    endpoint: Literal["messages", "count_tokens", "batches"],
) -> Struck:
    """Find the fault rule that fires for this request and play what strikes up front:
    the wait, then an HTTP error (raised) or a dropped connection."""
    if not faults.in_force:
        return NO_FAULT
    target = Target(
        endpoint, ctx.api_key, ctx.headers.get(SESSION_HEADER), body.get("stream") is True
    )
    rule = faults.strike(target, draft.request_id)
    if rule is None:
        return NO_FAULT
    fault = rule.fault
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.kind in ("error", "disconnect"):
        # The rule answers instead of a scenario step, and the journal names it so: an
        # error the test injected is not one the server found in the request.
        draft.step = f"fault:{rule.name}"
    if fault.error is not None:
        raise scripted_error(fault.error)
    if fault.kind == "disconnect":
        _close(request)
        draft.interrupted = True
        return Struck(fault, dropped=web.Response(status=NO_RESPONSE))
    return Struck(fault)


def admit(
    state: ServerState,
    draft: Draft,
    ctx: RequestContext,
    body: Mapping[str, Any],
    *,
    spec: ModelSpec | None,
    segments: Sequence[Segment],
) -> Admission:
    """Hold this request's share of its key's rate limits, or raise the API's 429."""
    limits = state.limits.limits_for(ctx.api_key)
    if limits is None:
        return state.limits.counted(ctx.api_key, body.get("max_tokens"))
    model_id = spec.id if spec else str(body.get("model"))
    input_tokens = 0
    if limits.input_tokens_per_minute is not None:
        # Cache reads do not count against the input limit: look the prompt up first.
        cached = account_input(
            state.cache,
            api_key=ctx.api_key,
            model=spec,
            model_id=model_id,
            body=body,
            segments=segments,
            write=False,
        )
        input_tokens = cached.input_tokens + cached.cache_creation_input_tokens
    max_tokens = body.get("max_tokens")
    try:
        return state.limits.admit(
            ctx.api_key,
            input_tokens=input_tokens,
            output_tokens=max_tokens if isinstance(max_tokens, int) else 0,
            org_id=state.organization_id,
            model=model_id,
        )
    except RateLimited:
        draft.step = RATE_LIMIT_STEP
        raise
