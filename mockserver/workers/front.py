"""The front: accepts every connection on the public port and hands it to its key's worker.

It reads nothing off the socket (the first request head is peeked at) and never touches a
body, so it costs an accept, a peek and a send per connection, not per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence

from .handoff import send_socket
from .peek import first_head
from .routing import api_key_of, worker_for

log = logging.getLogger("mockserver")

# After a failed accept: time for descriptors to free up before the next try.
_ACCEPT_PAUSE = 0.05


def listening_socket(host: str, port: int) -> socket.socket:
    """The public port, bound as the single-process server binds it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.setblocking(False)
    return sock


class Front:
    def __init__(self, listener: socket.socket, channels: Sequence[socket.socket]) -> None:
        self._listener = listener
        self._channels = list(channels)
        self._pending: set[asyncio.Task[None]] = set()

    async def serve(self) -> None:
        """Accept until cancelled."""
        loop = asyncio.get_running_loop()
        for channel in self._channels:
            channel.setblocking(False)
        try:
            while True:
                try:
                    conn, _ = await loop.sock_accept(self._listener)
                except OSError as exc:
                    # Out of file descriptors, or a connection reset while queued: the
                    # server goes on with the next one.
                    log.warning("could not accept a connection: %s", exc)
                    await asyncio.sleep(_ACCEPT_PAUSE)
                    continue
                task = loop.create_task(self._route(conn))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        finally:
            for task in list(self._pending):
                task.cancel()

    async def _route(self, conn: socket.socket) -> None:
        with contextlib.closing(conn):
            conn.setblocking(False)
            head = await first_head(conn)
            if head is None:
                return
            worker = worker_for(api_key_of(head), len(self._channels))
            try:
                await send_socket(self._channels[worker], conn)
            except OSError as exc:
                # The worker is gone; the supervisor stops the server.
                log.error("could not hand a connection to worker %d: %s", worker, exc)
        # The worker holds its own copy of the socket now: closing ours leaves it open.
