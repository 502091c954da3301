"""`mockserver --upstream URL --record DIR`: the proxy writes a file per conversation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import anthropic

from mockserver import Config, MockServer

KEY = "sk-ant-cli-recording-secret-987654321"


def test_the_standalone_proxy_records_a_file_per_conversation(tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    with MockServer(Config(port=0)) as upstream:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                "--port",
                "0",
                "--no-bundled",
                "--upstream",
                upstream.base_url,
                "--record",
                str(folder),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            assert found, line
            sdk = anthropic.Anthropic(base_url=found.group(0), api_key=KEY)
            for text in ("First conversation", "Second conversation"):
                sdk.messages.create(
                    model="claude-sonnet-4-6",
                    max_tokens=50,
                    messages=[{"role": "user", "content": text}],
                )
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
        assert len(upstream.journal) == 2
    files = sorted(p.name for p in folder.glob("*.yaml"))
    assert len(files) == 2
    assert files[0].startswith("first-conversation-")
    for path in folder.glob("*.yaml"):
        assert KEY not in path.read_text(encoding="utf-8")
