"""Stage 7b: write a Message as JSON or as an SSE stream (paced, with scripted faults).

A client that goes away mid-stream is an ordinary outcome here, not an error: the
stream stops, the draft records how far it got, and nothing is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson
from aiohttp import web

from ..draft import Draft
from ..errors import ERRORS_BY_STATUS
from ..keys import STATE
from ..scripting.stream_plan import Pacing, StreamFault, StreamPlan
from .events import PING, Event, message_events, sse_frame
from .sse_schedule import FaultPoint, event_delays, fault_point

# Long waits are cut into slices this long, so a departed client is noticed promptly.
_POLL_SECONDS = 0.1
_NO_PACING = Pacing()

# Set when the server shuts down, so paced streams end at once rather than hold it up.
STREAMS_CLOSING = web.AppKey("streams_closing", asyncio.Event)

_DEFAULT_MESSAGES: dict[str, str] = {}
for _cls in ERRORS_BY_STATUS.values():
    _DEFAULT_MESSAGES.setdefault(_cls.error_type, _cls.default_message)


def json_response(
    body: Mapping[str, Any], headers: Mapping[str, str], status: int = 200
) -> web.Response:
    # orjson: ~10x faster than json.dumps on a Message, and like the API it sends
    # non-ASCII text as UTF-8 rather than \u escapes.
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def end_streams_on_shutdown(app: web.Application) -> None:
    """Wire into an app: on shutdown its paced streams stop and their connections close."""
    closing = asyncio.Event()
    app[STREAMS_CLOSING] = closing

    async def close(_: web.Application) -> None:
        closing.set()

    app.on_shutdown.append(close)


def stream_pacing(request: web.Request, plan: StreamPlan) -> Pacing:
    """The step's own pacing, else the server-wide one, else none."""
    return plan.pacing or request.app[STATE].config.stream_pacing or _NO_PACING


def fault_message(fault: StreamFault) -> str:
    """The words of an error fault: its own, else the API's default for its type."""
    return fault.message or _DEFAULT_MESSAGES.get(fault.error_type, "Internal server error")


def error_event(fault: StreamFault, request_id: str) -> Event:
    error = {"type": fault.error_type, "message": fault_message(fault)}
    return "error", {"type": "error", "error": error, "request_id": request_id}


def error_frame(fault: StreamFault, request_id: str) -> tuple[Event, bytes]:
    event = error_event(fault, request_id)
    return event, sse_frame(*event)


# How a door words an error fault mid-stream: the event journaled and the bytes sent.
ErrorFrame = Callable[[StreamFault, str], tuple[Event, bytes]]


class StreamBody(NamedTuple):
    """A stream laid out before it is sent: each event, its bytes, and the wait before it."""

    events: Sequence[Event]
    frames: Sequence[bytes]
    delays: Sequence[float]


async def stream_response(
    request: web.Request,
    draft: Draft,
    message: Mapping[str, Any],
    headers: Mapping[str, str],
    plan: StreamPlan | None = None,
) -> web.StreamResponse:
    """Stream `message`; the request's draft records the events sent and any interruption."""
    plan = plan or StreamPlan()
    pacing = stream_pacing(request, plan)
    events = message_events(message, chunk_chars=pacing.chunk_chars, seed=pacing.seed)
    frames = [sse_frame(name, data) for name, data in events]
    body = StreamBody(events, frames, event_delays(events, pacing))
    return await send_stream(
        request,
        draft,
        headers,
        body,
        fault=plan.fault,
        on_error=error_frame,
        ping_interval=pacing.ping_interval,
    )


async def send_stream(
    request: web.Request,
    draft: Draft,
    headers: Mapping[str, str],
    body: StreamBody,
    *,
    fault: StreamFault | None,
    on_error: ErrorFrame,
    ping_interval: float | None,
) -> web.StreamResponse:
    """Send a laid-out stream, paced, playing out `fault`; either door's streams go out
    here. `ping_interval` None: no pings on a quiet stream."""
    draft.streamed = True
    response = web.StreamResponse(
        status=200,
        headers={
            **headers,
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
        },
    )
    draft.response = []
    try:
        if fault is None and not any(body.delays):
            # Nothing to wait for: the whole stream in one write is the same bytes, sooner.
            await response.prepare(request)
            await response.write_eof(b"".join(body.frames))
            draft.response = list(body.events)
            draft.events_sent = len(body.events)
        else:
            writer = _PacedWriter(request, response, draft, on_error, ping_interval)
            await writer.run(body, fault)
    except ConnectionError:
        draft.interrupted = True
    return response


class _PacedWriter:
    """Writes frames one by one, waiting between them and playing out a fault.

    The response headers go out with the first bytes, as the API's do: a stall or a
    disconnect before the first event leaves the client with no response at all.
    """

    def __init__(
        self,
        request: web.Request,
        response: web.StreamResponse,
        draft: Draft,
        on_error: ErrorFrame,
        ping_interval: float | None,
    ) -> None:
        self._request = request
        self._response = response
        self._draft = draft
        self._on_error = on_error
        self._ping_interval = ping_interval
        self._sent: list[Event] = []
        draft.response = self._sent
        self._times: list[float] = []
        draft.event_times = self._times
        self._last_write = time.monotonic()

    async def run(self, body: StreamBody, fault: StreamFault | None) -> None:
        events, frames, delays = body
        # FaultPoint(-1) is never reached: a stream without a fault.
        point = fault_point(fault, frames) if fault else FaultPoint(-1)
        for index, (event, frame) in enumerate(zip(events, frames, strict=True)):
            await self._wait(delays[index], pings=True)
            sent_head = 0
            if fault is not None and point.index == index:
                if await self._strike(fault, frame[: point.partial]):
                    return
                sent_head = point.partial
            await self._write(event, frame[sent_head:])
        if fault is not None and point.index == len(frames) and await self._strike(fault, b""):
            return
        await self._response.write_eof()

    async def _strike(self, fault: StreamFault, head: bytes) -> bool:
        """Play the fault; True when it ends the stream."""
        if head:
            await self._send(head)
        if fault.kind == "stall":
            await self._wait(fault.stall_seconds, pings=False)
            return False
        self._draft.interrupted = True
        if fault.kind == "error":
            event, frame = self._on_error(fault, self._draft.request_id)
            await self._write(event, frame)
            await self._response.write_eof()
        else:
            # Closing the socket without the final chunk: the body ends mid-stream.
            transport = self._request.transport
            if transport is not None:
                transport.close()
        return True

    async def _send(self, data: bytes) -> None:
        if not self._response.prepared:
            await self._response.prepare(self._request)
        await self._response.write(data)

    async def _write(self, event: Event, frame: bytes) -> None:
        await self._send(frame)
        self._sent.append(event)
        self._draft.events_sent = len(self._sent)
        self._last_write = time.monotonic()
        self._times.append(time.perf_counter() - self._draft.clock_start)

    async def _wait(self, seconds: float, *, pings: bool) -> None:
        """Sleep, in slices when long, sending pings on a quiet stream; raises
        ConnectionResetError as soon as the client has gone."""
        deadline = time.monotonic() + seconds
        closing = self._request.app.get(STREAMS_CLOSING)
        while (now := time.monotonic()) < deadline:
            transport = self._request.transport
            if transport is None or transport.is_closing():
                raise ConnectionResetError("client went away")
            if closing is not None and closing.is_set():
                transport.close()
                raise ConnectionResetError("server shutting down")
            interval = self._ping_interval
            if pings and interval is not None and now - self._last_write >= interval:
                await self._write(PING, sse_frame(*PING))
                continue
            step = min(deadline - now, _POLL_SECONDS)
            if pings and interval is not None:
                step = min(step, self._last_write + interval - now)
            await asyncio.sleep(step)
