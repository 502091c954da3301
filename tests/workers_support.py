"""`mockserver --workers N` run as a developer runs it, for the tests in tests/workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from mockserver.workers.routing import worker_for

# The one client tool the tool loops offer.
TOOLS = [
    {
        "name": "get_weather",
        "description": "The weather in a city",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]

VERSION = {"anthropic-version": "2023-06-01"}


@dataclass
class Running:
    proc: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    def children(self) -> list[int]:
        """The worker processes' ids (Linux /proc)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def admin(self, method: str, path: str, **options: Any) -> httpx2.Response:
        return httpx2.request(method, f"{self.url}/_mock{path}", timeout=10, **options)

    def client(self, key: str) -> anthropic.Anthropic:
        """A client of its own: its requests come on new connections."""
        return anthropic.Anthropic(base_url=self.url, api_key=key, max_retries=0)

    def stop(self, signum: int = signal.SIGTERM) -> str:
        """Stop the server as a user would; its whole output."""
        if signum == signal.SIGINT:
            # Ctrl-C: the terminal signals every process of the foreground group.
            os.killpg(self.proc.pid, signal.SIGINT)
        else:
            self.proc.send_signal(signum)
        self.proc.wait(timeout=20)
        return "\n".join(self.lines)


@contextmanager
def running(*args: str) -> Iterator[Running]:
    """`python -m mockserver --port 0 ARGS` in a process group of its own; its output is
    read all along (a full pipe would stall it)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    found = threading.Event()
    server = Running(proc, "")

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.lines.append(line.rstrip("\n"))
            if line.startswith("export ANTHROPIC_BASE_URL="):
                server.url = line.strip().split("=", 1)[1]
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        found.wait(timeout=60)
        if not server.url:
            raise AssertionError("no base URL printed:\n" + "\n".join(server.lines))
        yield server
    finally:
        if proc.poll() is None:
            # Every process of the group: the workers too, whatever state the test left.
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        reader.join(timeout=10)
        proc.stdout.close()


def keys_on(worker: int, count: int, how_many: int, prefix: str = "sk-test") -> list[str]:
    """API keys the front routes to `worker` of `count`."""
    keys: list[str] = []
    n = 0
    while len(keys) < how_many:
        key = f"{prefix}-{n}"
        n += 1
        if worker_for(key, count) == worker:
            keys.append(key)
    return keys
