"""The `mockserver` command as a developer runs it."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anthropic
import httpx2
import pytest
from conftest import MODEL, TEST_KEY

HI = [{"role": "user", "content": "Hello, Claude!"}]


@contextmanager
def running(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """Start `python -m mockserver ARGS`; yields the process, its base URL and its early output."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("export ANTHROPIC_BASE_URL="):
                yield proc, line.strip().split("=", 1)[1], lines
                break
        else:
            raise AssertionError("the server never printed its base URL:\n" + "\n".join(lines))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_prints_the_base_url_serves_and_stops_cleanly_on_ctrl_c() -> None:
    with running("--no-bundled") as (proc, url, lines):
        assert url.startswith("http://127.0.0.1:")
        assert any(line.startswith("mockserver ") and url in line for line in lines)
        with anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client:
            reply = client.messages.create(model=MODEL, max_tokens=64, messages=HI)
        assert reply.content[0].type == "text"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "mockserver stopped." in out
        assert "Traceback" not in out


# The SDK warns that this id is past end-of-life; the gateways' docs still use it.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_plain_start_serves_the_bundled_scenarios() -> None:
    with (
        running() as (_, url, _lines),
        anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client,
    ):
        reply = client.messages.create(model="claude-3-opus-20240229", max_tokens=1024, messages=HI)
    # The gateways' hello example is answered by the bundled `hello` scenario.
    assert reply.content[0].type == "text"
    assert reply.stop_reason == "end_turn"


def test_a_broken_scenario_file_is_reported_with_its_line_and_the_server_still_serves(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsteps:\n  - reply: {text: hi}\n    match: {no_such_key: 1}\n")
    with running("--no-bundled", "--scenarios", str(broken)) as (proc, url, lines):
        with anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client:
            assert client.messages.create(model=MODEL, max_tokens=64, messages=HI).content
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    log = "\n".join(lines) + out
    assert f"{broken}:" in log
    assert "no_such_key" in log
    assert "Traceback" not in log


def test_a_port_in_use_is_a_clear_error_not_a_traceback() -> None:
    with running("--no-bundled") as (_, url, _lines):
        port = url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "mockserver", "--no-bundled", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert second.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "Traceback" not in second.stderr


def test_the_journal_keeps_the_last_n_exchanges_and_the_report_counts_them_all() -> None:
    with (
        running("--no-bundled", "--journal-limit", "5") as (_, url, _lines),
        anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client,
    ):
        for i in range(12):
            client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": f"call {i}"}]
            )
        journal = httpx2.get(url + "/_mock/journal", timeout=10).json()
        report = httpx2.get(url + "/_mock/report", timeout=10).json()
    said = [e["body"]["messages"][0]["content"] for e in journal["exchanges"]]
    assert said == [f"call {i}" for i in range(7, 12)]
    assert report["requests"]["total"] == 12


def test_a_negative_journal_limit_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--journal-limit", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "--journal-limit" in done.stderr
    assert "Traceback" not in done.stderr
