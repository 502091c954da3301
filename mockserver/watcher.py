"""Reload scenario files while the standalone server runs (`Config.watch`).

Polls modification times once a second: no extra dependency, and the same on every OS.
A file that breaks is logged with its line and the last good version keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from .book import ScenarioBook
from .keys import STATE

POLL_SECONDS = 1.0


async def poll(book: ScenarioBook, interval: float = POLL_SECONDS) -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        # Reading and parsing files is blocking work; keep it off the event loop.
        await loop.run_in_executor(None, book.refresh)


async def watch_scenarios(app: web.Application) -> AsyncIterator[None]:
    """An aiohttp cleanup context: polls while the app runs, stops with it."""
    task = asyncio.create_task(poll(app[STATE].scenarios))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
