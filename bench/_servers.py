"""Servers the benchmarks compare, each run in its own process on a free port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2

# A bare aiohttp handler: parse the JSON body, answer a fixed Message (or write a stream of
# 100 frames, one write each). The baseline every ratio is measured against.
BARE_SERVER = r"""
import asyncio, json, sys
from aiohttp import web
MESSAGE = {"id": "msg_01", "type": "message", "role": "assistant", "model": "m",
           "content": [{"type": "text", "text": "Hello!"}], "stop_reason": "end_turn",
           "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 3}}
async def messages(request):
    await request.json()
    return web.json_response(MESSAGE)
async def sse(request):
    await request.json()
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    frame = (b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
             b'"delta":{"type":"text_delta","text":"hello "}}\n\n')
    for _ in range(100):
        await response.write(frame)
    await response.write_eof()
    return response
async def sse_paced(request):
    # As a paced stream goes out: a moment's wait before each of the 94 deltas (the first
    # three and last three events go at once), each frame its own write.
    await request.json()
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    frame = (b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
             b'"delta":{"type":"text_delta","text":"hello "}}\n\n')
    for i in range(100):
        if 3 <= i < 97:
            await asyncio.sleep(PACE)
        await response.write(frame)
    await response.write_eof()
    return response
PACE = 6e-9  # the mock's wait before a 24-character delta at --tokens-per-second 1e9
app = web.Application()
app.router.add_post("/v1/messages", messages)
app.router.add_post("/sse", sse)
app.router.add_post("/sse-paced", sse_paced)
# reuse_port: bench_workers runs two of these on one port, the kernel spreading connections.
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            reuse_port=True)
"""

MOCK_SERVER = "import sys; from mockserver.cli import main; main(sys.argv[1:])"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    # Processes serving beside `pid` (bare handlers sharing its port, the mock's workers).
    others: tuple[int, ...] = ()

    def cpu_seconds(self, *, first_only: bool = False) -> float:
        """CPU the server processes have used so far, over all their threads (Linux /proc);
        `first_only`: the first process's alone (the mock's front).

        From the scheduler's nanosecond counts: /proc/PID/stat counts clock ticks of 10 ms,
        a twentieth of a 1,000-request round of small requests.
        """
        pids = (self.pid,) if first_only else (self.pid, *self.others)
        tasks = [t for pid in pids for t in Path(f"/proc/{pid}/task").glob("*/schedstat")]
        return sum(int(task.read_text().split()[0]) for task in tasks) / 1e9


def children(pid: int) -> tuple[int, ...]:
    """The child processes of `pid` (Linux /proc): the mock's workers."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return tuple(int(child) for child in path.read_text().split())


@contextlib.contextmanager
def running(code: str, *args: str, copies: int = 1) -> Iterator[Server]:
    """Run a server script in a subprocess (`copies` of it on one port); yields it once it
    answers."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        code,
        *args,
        *(("--port", str(port)) if args else (str(port),)),
    ]
    procs = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(copies)
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx2.head(url + "/", timeout=0.5)
                break
            except httpx2.HTTPError:
                time.sleep(0.05)
        others = tuple(p.pid for p in procs[1:]) + children(procs[0].pid)
        yield Server(url, procs[0].pid, others)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
