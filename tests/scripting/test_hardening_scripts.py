"""Scripted values that could only fail on the wire are refused when scripted (issue 15):
in a scenario with `file:line: where: what`, at the admin fault API with a 400."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers

from mockserver.errors import ScenarioError
from mockserver.server import MockServer

HEAD = "version: 1\nrules:\n  - match: {last_user_text: x}\n    reply:\n"
BROKEN = {
    "lone_surrogate": (
        HEAD + '      text: "a\\ud800b"\n',
        5,
        "rules[0].reply.text: a string with a lone surrogate",
    ),
    "crlf_in_header": (
        HEAD + '      error: {status: 429, headers: {retry-after: "1\\r\\nx-evil: y"}}\n',
        5,
        "rules[0].reply.error.headers.retry-after: header 'retry-after' has a control character",
    ),
    "header_name": (
        HEAD + '      error: {status: 429, headers: {"bad name": "1"}}\n',
        5,
        "is not a valid HTTP header name",
    ),
    "content_length": (
        HEAD + '      error: {status: 429, headers: {Content-Length: "5"}}\n',
        5,
        "header 'Content-Length' is set by the server",
    ),
    "usage_text": (
        HEAD + "      text: hi\n      usage: {output_tokens: lots}\n",
        6,
        "rules[0].reply.usage.output_tokens: 'lots' is not of type 'integer'",
    ),
    "nan_delay": (
        HEAD + "      text: hi\n      delay: .nan\n",
        6,
        "rules[0].reply.delay: nan is not a finite number",
    ),
    "infinite_delay": (
        HEAD + "      text: hi\n      delay: .inf\n",
        6,
        "inf is not a finite number",
    ),
}
PLAIN = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "x"}]}


def serves(server: MockServer) -> None:
    answer = httpx2.post(f"{server.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert answer.status_code == 200


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_scenario_file_is_refused_with_file_and_line(
    fresh: MockServer, tmp_path: Path, case: str
) -> None:
    text, line, what = BROKEN[case]
    path = tmp_path / "scripted.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        fresh.load(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert what in str(caught.value)
    serves(fresh)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_admin_api_refuses_the_scenario(fresh: MockServer, case: str) -> None:
    text, line, what = BROKEN[case]
    answer = httpx2.post(
        f"{fresh.base_url}/_mock/scenarios",
        params={"source": "x.yaml"},
        content=text.encode("utf-8"),
        headers={"content-type": "application/yaml"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"x.yaml:{line}: ")
    assert what in answer.json()["error"]
    serves(fresh)


def test_a_lone_surrogate_in_a_json_scenario_is_refused(fresh: MockServer) -> None:
    # JSON escapes reach the loader as the lone surrogate itself.
    body = json.dumps({"version": 1, "steps": [{"reply": {"text": "a\ud800"}}]})
    answer = httpx2.post(
        f"{fresh.base_url}/_mock/scenarios",
        content=body.encode(),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400
    assert "lone surrogate" in answer.json()["error"]
    serves(fresh)


BAD_FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "headers_as_list": ({"headers": ["retry-after", "1"]}, '"headers" must be an object'),
    "crlf_in_header": ({"headers": {"x-a": "1\r\nx-b: 2"}}, "control character"),
    "content_length": ({"headers": {"content-length": "3"}}, "set by the server"),
    "message_number": ({"message": 5}, "message and type must be strings"),
    "type_list": ({"type": ["a"]}, "message and type must be strings"),
    "stream_message_number": (
        {"kind": "stream", "stream": {"kind": "error", "message": 5}},
        "message a string or null",
    ),
    "stream_type_number": (
        {"kind": "stream", "stream": {"kind": "error", "error_type": 5}},
        "error_type must be a string",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FAULTS))
def test_the_admin_api_refuses_a_fault_that_cannot_be_sent(fresh: MockServer, case: str) -> None:
    rule, what = BAD_FAULTS[case]
    answer = httpx2.post(f"{fresh.base_url}/_mock/faults", json=rule)
    assert answer.status_code == 400
    assert what in answer.json()["error"]
    assert httpx2.get(f"{fresh.base_url}/_mock/faults").json()["rules"] == []
    serves(fresh)


def test_a_nan_fault_delay_is_refused(fresh: MockServer) -> None:
    answer = httpx2.post(
        f"{fresh.base_url}/_mock/faults",
        content=b'{"kind": "latency", "delay": NaN}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400
    serves(fresh)


def test_a_valid_scripted_header_still_goes_out(fresh: MockServer) -> None:
    answer = httpx2.post(
        f"{fresh.base_url}/_mock/faults", json={"status": 429, "headers": {"x-why": "busy"}}
    )
    assert answer.status_code == 201
    hit = httpx2.post(f"{fresh.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert hit.status_code == 429
    assert hit.headers["x-why"] == "busy"
