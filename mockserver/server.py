"""MockServer: the server on a background event loop, for tests and scripts."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from .app import create_app
from .config import Config
from .journal import Journal
from .state import ServerState


async def listen(app: web.Application, config: Config) -> tuple[web.AppRunner, int]:
    """Start serving `app`; returns the runner and the bound port (port 0 picks one)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    server = site._server
    assert isinstance(server, asyncio.Server)
    port: int = server.sockets[0].getsockname()[1]
    return runner, port


class MockServer:
    """Runs the mock on its own thread and loop, so synchronous code can call it.

    >>> with MockServer() as server:
    ...     client = anthropic.Anthropic(base_url=server.base_url, api_key="test")
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config(port=0)
        self.state = ServerState(self.config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("MockServer is not started")
        return f"http://{self.config.host}:{self.port}"

    @property
    def journal(self) -> Journal:
        return self.state.journal

    def reset(self) -> None:
        self.state.reset()

    def start(self) -> MockServer:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="mockserver", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    async def _serve(self) -> None:
        self._runner, self.port = await listen(create_app(self.config, self.state), self.config)

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = self._thread = self._runner = None
        self.port = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
