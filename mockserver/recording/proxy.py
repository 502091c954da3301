"""Forwarding one request upstream and passing its answer back as it arrives.

A JSON answer is read whole and sent on with its status and headers; an SSE answer is
written to the client chunk by chunk as the upstream sends it (nothing is held back), and
its events are parsed on the side, each with the time it arrived, for the recording.
An upstream that cannot be reached, times out or answers something that is not the API's
JSON or SSE is answered here in the API's error envelope (502 / 504).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from ..draft import Draft
from ..errors import ApiError, GatewayTimeout
from ..report.transcript import message_from_events

# Not passed on in either direction: they describe one hop, not the message (RFC 9110
# §7.6.1), or are recomputed by the HTTP stack for the body it sends.
_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        # Asked without compression, so the stream can be passed on and parsed as it comes.
        "accept-encoding",
    }
)
# How long to wait for the upstream to accept the connection, and then for each read: a
# stream may be slow between events (the API pings every few seconds), never this slow.
CONNECT_SECONDS = 10.0
READ_SECONDS = 600.0


class BadGateway(ApiError):
    """The upstream could not be reached or answered something that is not the API's."""

    status = 502
    error_type = "api_error"
    default_message = "Bad gateway"


@dataclass
class Captured:
    """What the upstream answered, for the recording."""

    status: int
    headers: dict[str, str]
    # The JSON body; None for a stream.
    body: Any = None
    # A stream's events: (name, data, seconds since the request was sent).
    events: list[tuple[str, Any, float]] = field(default_factory=list)
    streamed: bool = False
    # The stream ended without message_stop or an error event (the upstream went away).
    cut: bool = False

    def message(self) -> dict[str, Any] | None:
        """The Message answered (rebuilt from a stream's events); None for an error."""
        if self.streamed:
            return message_from_events([(n, d) for n, d, _ in self.events if isinstance(d, dict)])
        if isinstance(self.body, dict) and self.body.get("type") == "message":
            return self.body
        return None


def _outgoing(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _HOP_HEADERS}


class _Frames:
    """SSE frames parsed out of the chunks as they pass by."""

    def __init__(self, started: float) -> None:
        self._buffer = b""
        self._started = started
        self.events: list[tuple[str, Any, float]] = []

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk.replace(b"\r\n", b"\n")
        *frames, self._buffer = self._buffer.split(b"\n\n")
        now = time.monotonic() - self._started
        for frame in frames:
            name, data = "message", b""
            for line in frame.split(b"\n"):
                if line.startswith(b"event:"):
                    name = line[6:].strip().decode("utf-8", "replace")
                elif line.startswith(b"data:"):
                    data += line[5:].strip()
            if data:
                try:
                    self.events.append((name, orjson.loads(data), now))
                except orjson.JSONDecodeError:
                    self.events.append((name, data.decode("utf-8", "replace"), now))


class Upstream:
    """One upstream base URL and the connection pool to it (made on first use)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=CONNECT_SECONDS, sock_read=READ_SECONDS
            )
            # No cookies kept: each client's own credentials go up, nothing of another's.
            self._session = aiohttp.ClientSession(
                timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
            )
        return self._session

    async def forward(
        self, request: web.Request, draft: Draft, body: bytes
    ) -> tuple[web.StreamResponse, Captured]:
        """Send `body` to the same path upstream with the client's headers; answer the
        client as the upstream does. Raises BadGateway / GatewayTimeout before any byte of
        an answer has gone out."""
        url = self.base_url + request.rel_url.path_qs
        started = time.monotonic()
        try:
            upstream = await self._client().post(
                url, data=body, headers=_outgoing(request.headers), allow_redirects=False
            )
        except TimeoutError:
            raise GatewayTimeout(
                f"mockserver: the upstream {self.base_url} did not answer in time"
            ) from None
        except aiohttp.ClientError as exc:
            raise BadGateway(
                f"mockserver: the upstream {self.base_url} could not be reached: {exc}"
            ) from None
        draft.extra = {"upstream": self.base_url}
        headers = _outgoing(upstream.headers)
        async with upstream:
            if upstream.content_type == "text/event-stream":
                return await _pass_stream(request, draft, upstream, headers, started)
            return await _pass_json(draft, upstream, headers, self.base_url)


async def _pass_json(
    draft: Draft, upstream: aiohttp.ClientResponse, headers: dict[str, str], base: str
) -> tuple[web.StreamResponse, Captured]:
    try:
        raw = await upstream.read()
    except TimeoutError:
        raise GatewayTimeout(f"mockserver: the upstream {base} stopped answering") from None
    except aiohttp.ClientError as exc:
        raise BadGateway(f"mockserver: the upstream {base} broke off its answer: {exc}") from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Not something the API sends: the client gets a clear error, not the garbage.
        raise BadGateway(
            f"mockserver: the upstream {base} answered {upstream.status} with a body that "
            f"is not JSON ({upstream.content_type or 'no content-type'}, {len(raw)} bytes)"
        ) from None
    draft.response = body
    response = web.Response(body=raw, status=upstream.status, headers=headers)
    return response, Captured(upstream.status, headers, body=body)


async def _pass_stream(
    request: web.Request,
    draft: Draft,
    upstream: aiohttp.ClientResponse,
    headers: dict[str, str],
    started: float,
) -> tuple[web.StreamResponse, Captured]:
    draft.streamed = True
    response = web.StreamResponse(status=upstream.status, headers=headers)
    await response.prepare(request)
    frames = _Frames(started)
    captured = Captured(upstream.status, headers, streamed=True)
    try:
        async for chunk in upstream.content.iter_any():
            frames.feed(chunk)
            await response.write(chunk)
        await response.write_eof()
    except ConnectionError:
        # The client went away: nothing more to pass on.
        draft.interrupted = True
    except (TimeoutError, aiohttp.ClientError):
        # The upstream went away mid-stream: the client sees the same cut.
        draft.interrupted = True
        if request.transport is not None:
            request.transport.close()
    captured.events = frames.events
    names = [name for name, _, _ in frames.events]
    captured.cut = "message_stop" not in names and "error" not in names
    draft.response = [(name, data) for name, data, _ in frames.events]
    draft.events_sent = len(frames.events)
    return response, captured
