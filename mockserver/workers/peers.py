"""A worker's clients of every worker's private admin socket (its own among them)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import orjson
from aiohttp import web


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return orjson.loads(self.body)

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type=self.content_type)


def socket_path(folder: Path, worker: int) -> Path:
    return folder / f"worker-{worker}.sock"


class Peers:
    """Clients of every worker's private socket (this worker's own among them)."""

    def __init__(self, folder: Path, count: int) -> None:
        self.count = count
        self._folder = folder
        self._sessions: dict[int, aiohttp.ClientSession] = {}

    def _session(self, worker: int) -> aiohttp.ClientSession:
        session = self._sessions.get(worker)
        if session is None:
            connector = aiohttp.UnixConnector(path=str(socket_path(self._folder, worker)))
            # No overall limit: the inspector's feed stays open as long as its page.
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
            session = aiohttp.ClientSession(connector=connector, timeout=timeout)
            self._sessions[worker] = session
        return session

    async def ask(
        self, worker: int, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> Answer:
        headers = {"content-type": content_type} if content_type else {}
        url = f"http://worker-{worker}{path}"
        async with self._session(worker).request(method, url, data=body, headers=headers) as r:
            return Answer(r.status, await r.read(), r.content_type)

    @contextlib.asynccontextmanager
    async def stream(self, worker: int, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """A GET whose answer is read as it comes (the inspector's feed)."""
        async with self._session(worker).get(f"http://worker-{worker}{path}") as answer:
            yield answer

    async def ask_all(
        self, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> list[Answer]:
        asked = (self.ask(w, method, path, body, content_type) for w in range(self.count))
        return list(await asyncio.gather(*asked))

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
