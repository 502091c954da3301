"""Starting and stopping `mockserver --workers 2`: one report, no worker left behind, a
worker's crash stops the server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import MODEL
from workers_support import keys_on, running

HI = [{"role": "user", "content": "hi"}]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A child the server has not reaped yet is as good as gone.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def test_ctrl_c_stops_every_worker_and_writes_one_merged_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with running("--workers", "2", "--no-bundled", "--report", str(report)) as server:
        children = server.children()
        assert len(children) == 2
        for key in (*keys_on(0, 2, 2), *keys_on(1, 2, 1)):
            with server.client(key) as client:
                client.messages.create(model=MODEL, max_tokens=64, messages=HI)  # type: ignore[arg-type]
        out = server.stop(signal.SIGINT)
        assert server.proc.returncode == 0, out
    assert all(_gone(pid) for pid in children)
    written = json.loads(report.read_text())
    assert written["requests"]["total"] == 3
    assert out.count("mockserver contract report: 3 requests") == 1
    assert out.count("mockserver stopped.") == 1
    assert "Traceback" not in out
    # Each worker logged its own exchanges' lines on the shared terminal.
    assert sum(" POST /v1/messages 200 " in line for line in out.splitlines()) == 3


def test_sigterm_stops_the_workers_too() -> None:
    with running("--workers", "2", "--no-bundled", "--quiet") as server:
        children = server.children()
        out = server.stop(signal.SIGTERM)
        assert server.proc.returncode == 0, out
    assert all(_gone(pid) for pid in children)


def test_a_worker_that_dies_stops_the_server_with_an_error() -> None:
    with running("--workers", "2", "--no-bundled", "--quiet") as server:
        first, second = server.children()
        os.kill(second, signal.SIGKILL)
        server.proc.wait(timeout=20)
        deadline = time.monotonic() + 5
        while not _gone(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.proc.returncode == 1
        assert _gone(first)
        deadline = time.monotonic() + 5  # the output reader catches up
        while not any("worker 1" in line and "SIGKILL" in line for line in server.lines):
            assert time.monotonic() < deadline, server.lines
            time.sleep(0.05)


def test_a_recording_needs_a_single_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--workers",
            "2",
            "--record",
            str(tmp_path / "r.yaml"),
            "--upstream",
            "http://127.0.0.1:9",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "--workers 1" in done.stderr


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "mockserver", "--workers", "2", "--port", str(port)],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
