"""The betas the newest clients send are accepted, and the fields they unlock answered.

Claude Code 2.1.332 sends per-turn-control, advanced-tool-use and mid-conversation tool
changes on every request, and dangerous-tool-use and afk-mode with a `safeguards` body
field in plan mode; SDK 2.17 knows efs and google-managed-data-controls; the AI SDK 4.x
adds advanced-tool-use and dangerous-tool-use by itself.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest
from conftest import MODEL, api_headers
from stream_support import answer_with, parse_sse

from mockserver.scripting.reply import Reply
from mockserver.server import MockServer

CLAUDE_CODE = [
    "claude-code-20250219",
    "per-turn-control-2026-07-01",
    "advanced-tool-use-2025-11-20",
    "mid-conversation-tool-changes-2026-07-01",
]
PLAN_MODE = [*CLAUDE_CODE, "dangerous-tool-use-2026-09-03", "afk-mode-2026-01-31"]
SAFEGUARDS = [{"type": "dangerous_tool_use", "classifier_context": {"permission_mode": "auto"}}]
BASH = {
    "name": "bash",
    "description": "Run a shell command.",
    "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
}
BODY: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 256,
    "tools": [BASH],
    "messages": [{"role": "user", "content": "List the files."}],
}


def beta_headers(betas: list[str]) -> dict[str, str]:
    return api_headers(**{"anthropic-beta": ",".join(betas)})


@pytest.mark.parametrize(
    "betas",
    [
        CLAUDE_CODE,
        PLAN_MODE,
        ["efs-2026-10-01", "google-managed-data-controls-2026-09-01"],
        ["code-execution-web-tools-2026-02-09"],
    ],
)
def test_the_newest_clients_betas_are_accepted(
    client: anthropic.Anthropic, betas: list[str]
) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=64,
        messages=[{"role": "user", "content": "Hello"}],
        betas=betas,
    )
    assert message.type == "message"


def test_an_unknown_beta_is_still_refused(http: httpx2.Client) -> None:
    response = http.post("/v1/messages", json=BODY, headers=beta_headers(["no-such-beta-2099"]))
    assert response.status_code == 400
    assert "no-such-beta-2099" in response.json()["error"]["message"]


def test_safeguards_come_back_as_a_verdict_per_tool_call(
    fresh: MockServer, http: httpx2.Client
) -> None:
    answer_with(fresh, Reply.tool_use("bash", {"command": "ls"}, text="Listing."))
    body = BODY | {"safeguards": SAFEGUARDS}
    response = http.post("/v1/messages", json=body, headers=beta_headers(PLAN_MODE))
    assert response.status_code == 200, response.text
    message = response.json()
    tool_id = message["content"][1]["id"]
    assert message["safeguard_results"] == [
        {
            "type": "dangerous_tool_use",
            "status": {
                "type": "available",
                "tool_uses": {tool_id: {"type": "evaluated", "outcome": "not_flagged"}},
            },
        }
    ]


def test_a_stream_gives_the_verdicts_in_the_final_message_delta(
    fresh: MockServer, http: httpx2.Client
) -> None:
    answer_with(fresh, Reply.tool_use("bash", {"command": "ls"}))
    body = BODY | {"safeguards": SAFEGUARDS}
    plain = http.post("/v1/messages", json=body, headers=beta_headers(PLAN_MODE)).json()
    raw = http.post("/v1/messages", json=body | {"stream": True}, headers=beta_headers(PLAN_MODE))
    events = parse_sse(raw.content)
    assert "safeguard_results" not in events[0][1]["message"]
    delta = next(d for n, d in events if n == "message_delta")["delta"]
    tool_id = next(d for n, d in events if n == "content_block_start")["content_block"]["id"]
    # The same verdicts as the JSON reply, keyed by this stream's own tool call id.
    verdicts = plain["safeguard_results"][0]["status"]["tool_uses"]
    assert list(verdicts) == [plain["content"][0]["id"]]
    assert delta["safeguard_results"] == [
        {
            "type": "dangerous_tool_use",
            "status": {"type": "available", "tool_uses": {tool_id: verdicts.popitem()[1]}},
        }
    ]


def test_safeguards_without_their_beta_report_unsupported(http: httpx2.Client) -> None:
    body = BODY | {"safeguards": SAFEGUARDS}
    response = http.post("/v1/messages", json=body, headers=beta_headers(CLAUDE_CODE))
    assert response.status_code == 200, response.text
    assert response.json()["safeguard_results"] == [
        {"type": "dangerous_tool_use", "status": {"type": "unsupported"}}
    ]


def test_safeguards_are_a_beta_field(http: httpx2.Client) -> None:
    body = BODY | {"safeguards": SAFEGUARDS}
    response = http.post("/v1/messages", json=body, headers=api_headers())
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "safeguards: Extra inputs are not permitted"


def test_a_plain_reply_has_no_safeguard_results(client: anthropic.Anthropic) -> None:
    raw = client.beta.messages.with_raw_response.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Hi"}], betas=PLAN_MODE
    )
    assert "safeguard_results" not in raw.http_response.json()


def test_deferred_tools_are_accepted(client: anthropic.Anthropic) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=64,
        tools=[
            {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
            BASH | {"defer_loading": True},
        ],
        messages=[{"role": "user", "content": "Hello"}],
        betas=["advanced-tool-use-2025-11-20"],
    )
    assert message.type == "message"


def test_a_system_message_may_set_this_turns_effort(client: anthropic.Anthropic) -> None:
    # Sonnet 4.6 refuses system messages inside `messages`; Opus 5 takes them.
    message = client.beta.messages.create(
        model="claude-opus-5",
        max_tokens=64,
        messages=[
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi."},
            {"role": "system", "content": "Be brief.", "output_config": {"effort": "low"}},
            {"role": "user", "content": "And now?"},
        ],
        betas=["mid-conversation-system-2026-04-07", "mid-conversation-output-config-2026-07-01"],
    )
    assert message.type == "message"
