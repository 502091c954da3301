"""`--workers N`: start the workers, run the front, stop everything together.

One seed (thinking signatures) and one organization id are made here and given to every
worker. A worker that ends on its own is not restarted: the clients whose keys it served
would lose their scenario progress, prompt cache and threads without a sign, so the
server logs it, stops the others and exits with 1. At the end each worker leaves its
contract report, and the merged one is printed (and written to `--report`) once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import Config
from ..standalone import print_banner, print_report
from .front import Front, listening_socket
from .handoff import READY, channel_pair
from .merge_report import merge_reports
from .setup_env import SETUP_ENV, Setup, report_path

log = logging.getLogger("mockserver")

# How long workers may take to start (load schemas and scenarios) and to stop.
_START_SECONDS = 60.0
_STOP_SECONDS = 10.0

Process = asyncio.subprocess.Process


def supervise(config: Config, args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Serve with `args.workers` processes until SIGINT/SIGTERM; the exit code."""
    if config.record is not None:
        sys.exit("mockserver: --record writes its files from one process: use --workers 1")
    return asyncio.run(_supervise(config, args.workers, argv, args.report))


async def _start(setup: Setup, argv: Sequence[str]) -> Process:
    env = {**os.environ, SETUP_ENV: setup.to_env()}
    command = (sys.executable, "-m", "mockserver.workers.child", *argv)
    return await asyncio.create_subprocess_exec(
        *command, env=env, pass_fds=(setup.channel,), stdin=asyncio.subprocess.DEVNULL
    )


async def _ready(channel: socket.socket) -> None:
    channel.setblocking(False)
    if await asyncio.get_running_loop().sock_recv(channel, 1) != READY:
        raise RuntimeError("a worker stopped while starting")


async def _supervise(config: Config, count: int, argv: Sequence[str], report: Path | None) -> int:
    listener = listening_socket(config.host, config.port)
    folder = Path(tempfile.mkdtemp(prefix="mockserver-workers-"))
    seed = config.seed if config.seed is not None else secrets.token_hex(16)
    organization_id = str(uuid.uuid4())
    url = _reachable(listener)
    channels: list[socket.socket] = []
    workers: list[Process] = []
    try:
        for index in range(count):
            ours, theirs = channel_pair()
            channels.append(ours)
            with theirs:
                setup = Setup(
                    index, count, str(folder), theirs.fileno(), seed, organization_id, url
                )
                workers.append(await _start(setup, argv))
        started = asyncio.gather(*(_ready(channel) for channel in channels))
        ended = [asyncio.ensure_future(worker.wait()) for worker in workers]
        first: list[asyncio.Future[Any]] = [started, *ended]
        done, _ = await asyncio.wait(
            first, timeout=_START_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        if started not in done or started.exception() is not None:
            started.cancel()
            log.error("the workers did not start")
            return 1
        # Before the banner: whoever reads it may send SIGTERM at once.
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        port = listener.getsockname()[1]
        print_banner(f"http://{config.host}:{port}", f" ({count} workers)")
        code = await _serve(Front(listener, channels), stop, workers, ended)
    finally:
        listener.close()
        for channel in channels:
            channel.close()
        await _stop(workers)
        try:
            _merged_report(folder, count, report)
        except Exception:
            log.exception("could not merge the workers' contract reports")
        shutil.rmtree(folder, ignore_errors=True)
    return code


def _reachable(listener: socket.socket) -> str:
    """The public port as a worker reaches it (on loopback when bound to every address)."""
    host, port = listener.getsockname()[:2]
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1"}
    host = wildcard.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _serve(
    front: Front, stop: asyncio.Event, workers: list[Process], ended: Sequence[asyncio.Future[int]]
) -> int:
    """Serve until a signal (0) or until a worker ends by itself (1, unless it stopped
    cleanly: Ctrl-C reaches the workers too, and one may stop before this process hears)."""
    serving = asyncio.ensure_future(front.serve())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        waiting: list[asyncio.Future[Any]] = [stopped, serving, *ended]
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        serving.cancel()
        stopped.cancel()
    if stopped in done:
        return 0
    if serving in done:
        log.error("the front stopped accepting connections: %r", serving.exception())
        return 1
    for index, worker in enumerate(workers):
        code = worker.returncode
        if code is not None and code != 0:
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            log.error("worker %d (pid %d) ended by itself (%s): stopping", index, worker.pid, how)
            return 1
    # A worker stopped cleanly: it was told to (Ctrl-C), and so is this process.
    return 0


async def _stop(workers: list[Process]) -> None:
    """SIGTERM to every worker still running; SIGKILL to any that outlives the wait."""
    for worker in workers:
        if worker.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                worker.terminate()
    waits = [worker.wait() for worker in workers]
    try:
        await asyncio.wait_for(asyncio.gather(*waits), _STOP_SECONDS)
    except TimeoutError:
        for worker in workers:
            if worker.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    worker.kill()
                await worker.wait()


def _merged_report(folder: Path, count: int, path: Path | None) -> None:
    parts = []
    for index in range(count):
        try:
            parts.append(json.loads(report_path(folder, index).read_text()))
        except (OSError, ValueError):
            log.warning("worker %d left no contract report: its requests are not in it", index)
    if parts:
        print_report(merge_reports(parts), path)
