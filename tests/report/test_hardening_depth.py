"""A body nested nearly as deep as the JSON parser allows leaves the server healthy: the
journal, the report and reset keep working, over HTTP and from Python (issue 15)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers
from test_cli import running

from mockserver.server import MockServer

JSON = {"content-type": "application/json"}
PLAIN = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hello"}]}


def deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def body_with(where: str, depth: int) -> bytes:
    nested = deep(depth)
    hi = '[{"role":"user","content":"hi"}]'
    head = f'{{"model":"{MODEL}","max_tokens":20,'
    bodies = {
        "metadata": f'{head}"messages":{hi},"metadata":{nested}}}',
        "system": f'{head}"messages":{hi},"system":{nested}}}',
        "tool_schema": f'{head}"messages":{hi},"tools":[{{"name":"t","input_schema":{nested}}}]}}',
        "content": f'{head}"messages":[{{"role":"user","content":[{{"type":"text",'
        f'"text":"hi","x":{nested}}}]}}]}}',
    }
    return bodies[where].encode()


def assert_healthy(server: MockServer) -> None:
    with httpx2.Client(base_url=server.base_url, timeout=20) as raw:
        journal = raw.get("/_mock/journal")
        assert journal.status_code == 200
        json.loads(journal.text)
        assert raw.get("/_mock/report").status_code == 200
        assert raw.get("/_mock/report", params={"format": "text"}).status_code == 200
        assert raw.post("/_mock/reset").status_code == 200
        plain = raw.post("/v1/messages", json=PLAIN, headers=api_headers())
        assert plain.status_code == 200


@pytest.mark.parametrize("where", ["metadata", "system", "tool_schema", "content"])
@pytest.mark.parametrize("depth", [970, 1_000])
def test_a_deep_body_is_refused_and_the_admin_api_keeps_working(
    server_factory: ServerFactory, where: str, depth: int
) -> None:
    server = server_factory()
    with httpx2.Client(base_url=server.base_url, timeout=20) as raw:
        answer = raw.post(
            "/v1/messages", content=body_with(where, depth), headers=api_headers(**JSON)
        )
    assert answer.status_code == 400
    assert answer.json()["type"] == "error"
    assert_healthy(server)


def test_the_journal_shows_an_exchange_too_deep_to_encode(server_factory: ServerFactory) -> None:
    server = server_factory()
    with httpx2.Client(base_url=server.base_url, timeout=20) as raw:
        raw.post("/v1/messages", content=body_with("metadata", 1_000), headers=api_headers(**JSON))
        raw.post("/v1/messages", json=PLAIN, headers=api_headers())
        shown = raw.get("/_mock/journal").json()["exchanges"]
    assert [e["status"] for e in shown] == [400, 200]
    assert shown[0]["body"] is None
    assert shown[0]["body_omitted"] == "nested deeper than 500 levels"
    assert shown[1]["body"] == PLAIN
    assert "body_omitted" not in shown[1]


def test_python_reset_and_report_survive_a_deep_body(server_factory: ServerFactory) -> None:
    server = server_factory(strictness="warn")
    with httpx2.Client(base_url=server.base_url, timeout=20) as raw:
        raw.post("/v1/messages", content=body_with("metadata", 1_000), headers=api_headers(**JSON))
    report = server.report()
    assert report.requests == 1
    server.reset()
    assert len(server.journal) == 0
    assert_healthy(server)


def test_journal_trimming_survives_a_deep_body(server_factory: ServerFactory) -> None:
    # Trimming folds the oldest exchanges into the report first: a deep one used to break
    # every request after it with a plain-text 500.
    server = server_factory(journal_limit=2)
    with httpx2.Client(base_url=server.base_url, timeout=20) as raw:
        raw.post("/v1/messages", content=body_with("metadata", 1_000), headers=api_headers(**JSON))
        statuses = [
            raw.post("/v1/messages", json=PLAIN, headers=api_headers()).status_code
            for _ in range(6)
        ]
    assert statuses == [200] * 6
    assert server.report().requests == 7
    assert_healthy(server)


def test_the_shutdown_report_is_written_after_a_deep_body(tmp_path: Path) -> None:
    written = tmp_path / "report.json"
    with running("--no-bundled", "--report", str(written)) as (proc, url, lines):
        deep_answer = httpx2.post(
            f"{url}/v1/messages", content=body_with("metadata", 1_000), headers=api_headers(**JSON)
        )
        assert deep_answer.status_code == 400
        plain = httpx2.post(f"{url}/v1/messages", json=PLAIN, headers=api_headers())
        assert plain.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in "\n".join(lines) + out
    assert json.loads(written.read_text())["requests"]["total"] == 2
