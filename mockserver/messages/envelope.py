"""The one place errors become the Anthropic envelope, and every exchange is journaled.

Every API route's handler is wrapped in `api_route` when the route is added, rather than
run through an aiohttp middleware: a middleware costs each request aiohttp's own
bookkeeping around it (a handler chain looked up, the current app swapped in and out).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from operator import itemgetter
from typing import Any

from aiohttp import web

from .. import ids
from ..draft import Draft
from ..errors import (
    ApiError,
    ClientGone,
    InternalServer,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
)
from ..http.body import too_deep
from ..report.journal import Exchange
from ..report.redact import redact_headers
from ..state import ServerState
from ..streaming.render import json_response
from .gate import NO_RESPONSE

log = logging.getLogger("mockserver")

_NAME, _VALUE = itemgetter(0), itemgetter(1)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# An API route's handler: given the server's state and the exchange's draft to fill in.
ApiHandler = Callable[[web.Request, ServerState, Draft], Awaitable[web.StreamResponse]]
# An error's JSON body, given its request id: the Anthropic envelope unless a route says.
Envelope = Callable[[ApiError, str | None], dict[str, Any]]


def anthropic_envelope(error: ApiError, request_id: str | None) -> dict[str, Any]:
    return error.body(request_id)


def error_response(
    error: ApiError, request_id: str, org_id: str, body: dict[str, Any] | None = None
) -> web.Response:
    headers = {"request-id": request_id, "anthropic-organization-id": org_id, **error.headers}
    if error.status_code >= 500 or error.status_code in (408, 409, 429):
        headers.setdefault("x-should-retry", "true")
    return json_response(
        error.body(request_id) if body is None else body, headers, status=error.status_code
    )


def _as_api_error(exc: web.HTTPException) -> ApiError:
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return RequestTooLarge()
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed(f"Method {exc.method} is not allowed for this endpoint")
    if isinstance(exc, web.HTTPNotFound):
        return NotFound("Not found")
    return ApiError.of(exc.status, exc.reason)


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    """Names lower-cased, the last value of a repeated header; built in C."""
    items = headers.items()
    return dict(zip(map(str.lower, map(_NAME, items)), map(_VALUE, items), strict=True))


def exchange_of(draft: Draft, method: str, path: str, status: int) -> Exchange:
    """The journal's record of an exchange, from what its handler noted on the draft."""
    return Exchange(
        request_id=draft.request_id,
        method=method,
        path=path,
        # Keys never reach the journal (served over HTTP, printed in failures).
        headers=redact_headers(_lowered(draft.headers)),
        body=draft.body,
        status=status,
        response=draft.response,
        streamed=draft.streamed,
        step=draft.step,
        problems=tuple(draft.problems),
        notices=tuple(draft.notices),
        events_sent=draft.events_sent,
        interrupted=draft.interrupted,
        unmatched=draft.unmatched,
        # Left unworded (see NearMisses): the words cost more than the rest of the request.
        near_misses=draft.near_misses,
        scenario_error=draft.scenario_error,
        extra=draft.extra,
        started=draft.started,
        duration=draft.duration,
        event_times=tuple(draft.event_times),
    )


def api_route(
    state: ServerState, handler: ApiHandler, envelope: Envelope = anthropic_envelope
) -> Handler:
    """`handler` with every failure answered in the API's envelope (or the route's own) and
    its exchange journaled (the server's state is bound here: looking it up on the app costs
    every request)."""

    def failed(error: ApiError, draft: Draft) -> web.Response:
        draft.response = body = envelope(error, draft.request_id)
        return error_response(error, draft.request_id, state.organization_id, body)

    async def answer(request: web.Request) -> web.StreamResponse:
        draft = Draft(request_id=ids.request_id(), headers=request.headers)
        try:
            response = await handler(request, state, draft)
        except ApiError as exc:
            response = failed(exc, draft)
            if exc.closes_connection:
                response.force_close()
        except ClientGone:
            # Nobody to answer: journaled as a dropped connection is (status 0, interrupted).
            draft.interrupted = True
            response = web.Response(status=NO_RESPONSE)
        except web.HTTPException as exc:
            response = failed(_as_api_error(exc), draft)
        except RecursionError:
            # A body nested nearly as deep as the parser allows (1,024) outgrows the stack of
            # the stages that walk it; answered as a deeper body's parse error is.
            response = failed(too_deep(), draft)
        except Exception:
            # A bug of ours: log it for us, answer the client as the API's 500 would.
            log.exception("internal error while answering %s %s", request.method, request.path)
            response = failed(InternalServer(), draft)
        if not response.prepared:
            response.headers.setdefault("request-id", draft.request_id)
        draft.duration = time.perf_counter() - draft.clock_start
        journal = state.journal
        pending = partial(exchange_of, draft, request.method, request.path, response.status)
        if state.watchers:
            # Someone watches (the terminal log, an inspector page): built now, once, for
            # them and the journal. Unwatched, the exchange stays unbuilt until read.
            exchange = pending()
            journal.add(exchange, draft.body_size, draft.raw)
            state.tell_watchers(exchange)
        else:
            journal.add(pending, draft.body_size, draft.raw)
        # Folded into the report and trimmed after the response is written, not here.
        state.journaled()
        return response

    return answer
