"""An aiohttp app served on a thread and event loop of its own, so synchronous code (a test,
a script) can start it, call into it and stop it; MockServer is the mock on top of it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from aiohttp import web

from .config import Config
from .http.client_errors_log import quiet_client_faults

T = TypeVar("T")

MAX_HEADER_BYTES = 32 * 1024


def public_runner(app: web.Application) -> web.AppRunner:
    """The runner of an app clients call: no access log, header lines up to our limit."""
    return web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=2,
        max_line_size=MAX_HEADER_BYTES,
        max_field_size=MAX_HEADER_BYTES,
    )


async def listen(app: web.Application, config: Config) -> tuple[web.AppRunner, int]:
    """Start serving `app`; returns the runner and the bound port (port 0 picks one)."""
    # aiohttp refuses a header line over 8,190 bytes in plain text, before any route runs;
    # clients with long headers (a long anthropic-beta list, big cookies) reach the API's
    # front end, which takes more (its limit unknown: 32 KiB is a guess).
    quiet_client_faults()
    runner = public_runner(app)
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


class BackgroundServer(ABC):
    """The thread, the loop and the listening socket; subclasses say what app to serve."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @abstractmethod
    def make_app(self) -> web.Application:
        """The app to serve, made when the server starts."""

    def _on_loop(self, call: Callable[[], T]) -> T:
        """Run `call` on the server's loop (state belongs to it), or here if not running."""
        loop = self._loop
        if loop is None or not loop.is_running() or threading.current_thread() is self._thread:
            return call()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(call())
            except BaseException as exc:  # handed to the calling thread
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result(timeout=30)

    def start(self) -> Self:
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
            loop.call_soon(started.set)
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="mockserver", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread = None
            self._loop = None
            loop.close()
            raise failure[0]
        return self

    async def _serve(self) -> None:
        self._runner, self.port = await listen(self.make_app(), self.config)

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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
