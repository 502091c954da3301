"""Accepted sockets passed from the front to a worker over a Unix socket (SCM_RIGHTS).

The channel is a SOCK_SEQPACKET pair, one per worker: each message is one socket, and a
worker knows the front is gone when its end reads EOF.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

from aiohttp import web

log = logging.getLogger("mockserver")

READY = b"R"
_SOCKET = b"S"


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(the front's end, the worker's end)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


async def send_socket(channel: socket.socket, conn: socket.socket) -> None:
    """Give `conn` to the worker at the other end of `channel` (OSError: it is gone)."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            socket.send_fds(channel, [_SOCKET], [conn.fileno()])
            return
        except BlockingIOError:
            # The worker is behind on its channel: wait until it has room again.
            await _writable(loop, channel)


async def _writable(loop: asyncio.AbstractEventLoop, channel: socket.socket) -> None:
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_writer(channel, _wake, ready)
    try:
        await ready
    finally:
        loop.remove_writer(channel)


def adopt(channel: socket.socket, server: web.Server, on_closed: Callable[[], None]) -> None:
    """Serve each socket that arrives on `channel` with `server` (the app's request handler
    factory); `on_closed` when the front closes its end."""
    loop = asyncio.get_running_loop()
    channel.setblocking(False)

    def arrived() -> None:
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(channel, 1, 4)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                message, fds = b"", []
            if not message:
                loop.remove_reader(channel)
                on_closed()
                return
            for fd in fds:
                conn = socket.socket(fileno=fd)
                conn.setblocking(False)
                task = loop.create_task(loop.connect_accepted_socket(server, conn))
                task.add_done_callback(_closed_on_failure(conn))

    loop.add_reader(channel, arrived)


def _closed_on_failure(conn: socket.socket) -> Callable[[asyncio.Task[object]], None]:
    def done(task: asyncio.Task[object]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not serve a handed-over connection: %s", task.exception())
            conn.close()

    return done


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)
