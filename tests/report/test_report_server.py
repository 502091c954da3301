"""The contract report of a running server: SDK traffic in, the report out through Python,
the admin API and the standalone server's shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam, ToolParam
from conftest import MODEL, TEST_KEY, ServerFactory, api_headers

from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
UNANSWERED: list[MessageParam] = [
    {"role": "user", "content": "List the files."},
    {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_01", "name": "ls", "input": {}}],
    },
    {"role": "user", "content": "Go on."},
]
LS: ToolParam = {
    "name": "ls",
    "description": "List files.",
    "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    "cache_control": {"type": "ephemeral"},
}


def session_traffic(server: MockServer) -> dict[str, str]:
    """Valid and invalid calls, as a client under test makes them; the ids of the bad ones."""
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        sdk.messages.create(model=MODEL, max_tokens=50, messages=HI, tools=[LS])
        with sdk.messages.stream(
            model="claude-opus-5-5", max_tokens=2000, messages=HI, thinking={"type": "adaptive"}
        ) as stream:
            stream.get_final_message()
        sdk.messages.count_tokens(model=MODEL, messages=HI)
        with pytest.raises(anthropic.BadRequestError):
            sdk.messages.create(model=MODEL, max_tokens=50, messages=UNANSWERED)
        pairing = server.journal.last_call.request_id
        with pytest.raises(anthropic.NotFoundError):
            sdk.messages.create(model="claude-nope", max_tokens=50, messages=HI)
        unknown = server.journal.last_call.request_id
    # An older client: API key header, the 2023 version, a body that is not JSON.
    with httpx2.Client(base_url=server.base_url, timeout=10) as raw:
        raw.post("/v1/messages", headers=api_headers(), content=b"{not json")
    return {"pairing": pairing, "unknown": unknown, "broken": server.journal.all()[-1].request_id}


def test_the_report_covers_valid_and_invalid_sdk_traffic(server_factory: ServerFactory) -> None:
    server = server_factory()
    ids = session_traffic(server)
    report = server.report().to_json()
    assert report["summary"] == "6 requests, 3 violations (3 rules)"
    assert report["requests"] == {
        "total": 6,
        "endpoints": {"POST /v1/messages": 5, "POST /v1/messages/count_tokens": 1},
        "statuses": {"200": 3, "400": 2, "404": 1},
    }
    features = report["features"]
    assert features["auth"] == {"bearer": 5, "x-api-key": 1}
    assert features["api_versions"] == {"2026-10-21": 5, "2023-06-01": 1}
    assert features["clients"][f"python {anthropic.__version__}"] == 5
    assert features["streaming"] == {"no stream": 3, "stream": 1}
    assert features["thinking"] == {"adaptive": 1}
    assert features["reply_blocks"] == {"text": 2, "thinking": 1, "tool_use": 1}
    assert features["tools"] == {"custom (no type)": 1}
    assert features["caching"] == {"cache_control on blocks": 1, "ttl 5m": 1}
    rules = {rule["rule"]: rule for rule in report["violations"]["rules"]}
    assert set(rules) == {"tool_use_answered", "not_found_error", "invalid_request_error"}
    pairing = rules["tool_use_answered"]["example"]
    assert pairing["request_id"] == ids["pairing"]
    assert pairing["message"].startswith("messages.1: `tool_use` ids were found without")
    assert pairing["field"] == "messages.1"
    assert '"id":"toolu_01"' in pairing["excerpt"]
    assert rules["not_found_error"]["example"]["request_id"] == ids["unknown"]
    assert rules["invalid_request_error"]["example"]["request_id"] == ids["broken"]


def test_the_report_outlives_reset_until_its_own_reset(server_factory: ServerFactory) -> None:
    server = server_factory()
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        sdk.messages.create(model=MODEL, max_tokens=50, messages=HI)
        server.reset()
        sdk.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert len(server.journal) == 1
    assert server.report().requests == 2
    server.reset_report()
    assert server.report().requests == 0


def test_rejections_a_test_expected_are_not_the_clients_violations(
    server_factory: ServerFactory,
) -> None:
    server = server_factory()
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        with server.expect_rejection(), pytest.raises(anthropic.BadRequestError):
            sdk.messages.create(model=MODEL, max_tokens=50, messages=UNANSWERED)
        with pytest.raises(anthropic.BadRequestError):
            sdk.messages.create(model=MODEL, max_tokens=50, messages=UNANSWERED)
    report = server.report()
    assert (report.violations, report.expected) == (1, 1)
    assert report.summary() == "2 requests, 1 violation (1 rule), 1 expected"


def test_warned_requests_are_reported_as_warned(server_factory: ServerFactory) -> None:
    server = server_factory(strictness="warn")
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        sdk.messages.create(model=MODEL, max_tokens=50, messages=UNANSWERED)
    (rule,) = server.report().rules
    assert (rule.rule, rule.warned, rule.rejected, rule.example.outcome) == (
        "tool_use_answered",
        1,
        0,
        "warned",
    )


def test_admin_serves_the_report_as_json_or_text(server_factory: ServerFactory) -> None:
    server = server_factory()
    session_traffic(server)
    with httpx2.Client(base_url=f"{server.base_url}/_mock", timeout=10) as admin:
        as_json = admin.get("/report")
        assert as_json.json() == server.report().to_json()
        as_text = admin.get("/report", params={"format": "text"})
        assert as_text.headers["content-type"].startswith("text/plain")
        assert as_text.text.startswith("mockserver contract report: 6 requests, 3 violations")
        assert "  tool_use_answered: 1 violation (1 rejected)" in as_text.text
        wrong = admin.get("/report", params={"format": "xml"})
        assert (wrong.status_code, wrong.json()["error"]) == (
            400,
            "query parameter 'format' must be json or text, got 'xml'",
        )
        admin.post("/reset")
        assert admin.get("/report").json()["requests"]["total"] == 6
        assert admin.post("/report/reset").json() == {"reset": True}
        assert admin.get("/report").json()["requests"]["total"] == 0


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--no-bundled", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    assert " listening on " in first, first
    return process, first.rsplit(" ", 1)[1].strip()


def stop_cli(process: subprocess.Popen[str], how: signal.Signals) -> str:
    process.send_signal(how)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    return output


def test_the_standalone_server_reports_at_shutdown(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    process, url = start_cli("--report", str(target))
    try:
        with anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as sdk:
            sdk.messages.create(model=MODEL, max_tokens=50, messages=HI)
            with pytest.raises(anthropic.BadRequestError):
                sdk.messages.create(model=MODEL, max_tokens=50, messages=UNANSWERED)
    finally:
        output = stop_cli(process, signal.SIGINT)
    assert "mockserver contract report: 2 requests, 1 violation (1 rule)" in output
    assert "  tool_use_answered: 1 violation (1 rejected)" in output
    assert output.rstrip().endswith("mockserver stopped.")
    data: dict[str, Any] = json.loads(target.read_text())
    assert data["summary"] == "2 requests, 1 violation (1 rule)"
    assert data["violations"]["rules"][0]["rule"] == "tool_use_answered"


def test_a_server_that_saw_nothing_prints_no_report(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    process, _ = start_cli("--report", str(target))
    output = stop_cli(process, signal.SIGTERM)
    assert "contract report" not in output
    assert json.loads(target.read_text())["requests"]["total"] == 0
