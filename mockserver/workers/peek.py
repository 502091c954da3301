"""A connection's first request head, read without taking it off the socket (MSG_PEEK):
the worker it is handed to reads the same bytes from the start."""

from __future__ import annotations

import asyncio
import socket
import time

# The server takes header lines up to 32 KiB; the key is nearly always in the first few
# hundred bytes, so a head longer than this is routed on what arrived.
HEAD_LIMIT = 64 * 1024
# A client that connects and sends nothing (a pre-connect) is handed over after this long;
# the worker then keeps or closes the idle connection as it does any other.
HEAD_WAIT = 2.0
_END = b"\r\n\r\n"


async def readable(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_reader(sock, _wake, ready)
    try:
        await ready
    finally:
        loop.remove_reader(sock)


async def first_head(sock: socket.socket, *, wait: float = HEAD_WAIT) -> bytes | None:
    """The bytes of the first request head (what came within `wait` seconds, at most
    HEAD_LIMIT), or None when the client closed without sending one."""
    deadline = time.monotonic() + wait
    pause = 0.0005
    seen = b""
    while True:
        try:
            await asyncio.wait_for(readable(sock), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return seen
        try:
            data = sock.recv(HEAD_LIMIT, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            return None
        if not data:
            return None
        if _END in data or len(data) >= HEAD_LIMIT or time.monotonic() >= deadline:
            return data
        if len(data) == len(seen):
            # The bytes stay readable while peeked at: wait for more instead of spinning.
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)
        seen = data


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)
