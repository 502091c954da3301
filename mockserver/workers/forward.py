"""A request whose key belongs to another worker is passed on to it.

The front routes a connection by its first request. A keep-alive connection may later
carry another key (a client that switches keys, a `HEAD /` pre-connect sent without one
before the first call), and that key's state lives on its own worker. So each worker
checks every API request's key: another worker's is sent back through the front on a
connection kept for that worker, which hands it there, and the answer (a stream too) is
relayed as it comes. Such a request costs a second hop and one copy of its body; the
journal records it once, on the worker that answered it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from ..admin.routes import is_admin_path
from ..http.headers import bearer_key
from .routing import worker_for

# Marks a request already passed on: the worker it reaches serves it whatever its key says
# (a hash that disagreed between workers could otherwise send it round for ever).
FORWARDED = "x-mockserver-forwarded"
# Set by each hop for itself; the body is passed on decoded, so its encoding goes too.
_REQUEST_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
_REQUEST_HOP |= {"content-encoding", "expect"}
_RESPONSE_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "date", "server"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Forwarder:
    """This worker's way to the others, through the public port."""

    def __init__(self, index: int, count: int, url: str) -> None:
        self.index = index
        self.count = count
        self._url = url
        self._sessions: dict[int, aiohttp.ClientSession] = {}

    def _session(self, owner: int) -> aiohttp.ClientSession:
        # One pool per worker: the front routes a connection by its first request, so a
        # connection must only ever carry keys of the worker it was opened for.
        session = self._sessions.get(owner)
        if session is None:
            session = self._sessions[owner] = aiohttp.ClientSession(
                auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None)
            )
        return session

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        headers = request.headers
        if FORWARDED in headers or is_admin_path(request.path):
            return await handler(request)
        key = headers.get("x-api-key", "").strip() or bearer_key(headers)
        owner = worker_for(key, self.count) if key else self.index
        if owner == self.index:
            return await handler(request)
        return await self._relay(request, owner)

    async def _relay(self, request: web.Request, owner: int) -> web.StreamResponse:
        body = await request.read()
        headers = CIMultiDict(
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in _REQUEST_HOP
        )
        headers[FORWARDED] = "1"
        response = web.StreamResponse()
        try:
            async with self._session(owner).request(
                request.method,
                self._url + request.path_qs,
                data=body,
                headers=headers,
                allow_redirects=False,
            ) as answer:
                response.set_status(answer.status, answer.reason)
                for name, value in answer.headers.items():
                    if name.lower() not in _RESPONSE_HOP:
                        response.headers.add(name, value)
                await response.prepare(request)
                async for chunk in answer.content.iter_any():
                    await response.write(chunk)
        except (TimeoutError, aiohttp.ClientError):
            # The worker dropped the connection (a disconnect fault, before or in the
            # answer): the client's is dropped as well, as it would have been.
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
        return response

    async def close(self) -> None:
        for session in self._sessions.values():
            with contextlib.suppress(Exception):
                await session.close()
        self._sessions.clear()
