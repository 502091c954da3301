"""Reload scenario files while the standalone server runs (`Config.watch`).

Polls modification times once a second: no extra dependency, and the same on every OS.
A file that breaks is logged with its line and the last good version keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from ..keys import STATE
from .book import ScenarioBook

POLL_SECONDS = 1.0

log = logging.getLogger("mockserver.scenarios")


async def poll(book: ScenarioBook, interval: float = POLL_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            # Reading and parsing files is blocking work; keep it off the event loop.
            await asyncio.to_thread(book.refresh)
        except Exception:
            # Broken files are scenario errors (logged by the book); anything else is a bug
            # of ours, and must not end the watching: later edits would never load.
            log.exception("internal error while reloading scenario files")


async def watch_scenarios(app: web.Application) -> AsyncIterator[None]:
    """An aiohttp cleanup context: polls while the app runs, stops with it."""
    task = asyncio.create_task(poll(app[STATE].scenarios))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
