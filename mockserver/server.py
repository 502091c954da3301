"""MockServer: the server on a background event loop, for tests and scripts."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

from aiohttp import web

from . import verify
from .app import create_app
from .config import Config
from .journal import Exchange, Journal
from .state import ServerState

T = TypeVar("T")

# What the SDK reads when a client is built with its defaults.
TEST_API_KEY = "sk-ant-mockserver-test"


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
        # Request ids a test declared it expected to be rejected (see expect_rejection).
        self._expected_rejections: set[str] = set()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("MockServer is not started")
        return f"http://{self.config.host}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point an SDK built with defaults at this server."""
        return {"ANTHROPIC_BASE_URL": self.base_url, "ANTHROPIC_API_KEY": TEST_API_KEY}

    @property
    def journal(self) -> Journal:
        """Every exchange so far, including the one whose last byte the client just read."""
        # The server journals an exchange in the same loop step that writes its last
        # bytes; a no-op queued behind that step means the entry is in when it returns.
        self._on_loop(lambda: None)
        return self.state.journal

    def reset(self) -> None:
        """Forget everything a test did: journal, scenario progress, cache, expectations."""
        self._expected_rejections.clear()
        self._on_loop(self.state.reset)

    def failures(self, checks: verify.Checks | None = None) -> list[str]:
        """What the teardown checks find (empty: nothing wrong)."""
        return verify.failures(self.journal, checks or verify.Checks(), self._expected_rejections)

    def verify(self, checks: verify.Checks | None = None) -> None:
        """Raise AssertionError if a request matched nothing, a required step went unused,
        or a request broke the API's contract."""
        verify.verify(self.journal, checks or verify.Checks(), self._expected_rejections)

    @contextmanager
    def expect_rejection(self) -> Iterator[list[Exchange]]:
        """Requests made inside the block may be rejected (a test of the client's error
        handling); at least one must be. Yields the rejected exchanges, filled on exit."""
        start = len(self.journal)
        rejected: list[Exchange] = []
        yield rejected
        rejected.extend(e for e in self.journal.since(start) if e.violation)
        if not rejected:
            raise AssertionError("expected the server to reject a request, but none was rejected")
        self._expected_rejections.update(e.request_id for e in rejected)

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
