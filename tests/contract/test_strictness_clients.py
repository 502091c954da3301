"""Valid traffic in the shapes real clients send (api-surface.md §12) passes under strict,
end to end: the official SDK against the real server, replies fed back as clients do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from anthropic import beta_tool
from anthropic.types.beta import BetaCacheControlEphemeralParam
from conftest import TEST_KEY
from pydantic import BaseModel

from mockserver.report.redact import key_digest
from mockserver.server import MockServer

OPUS = "claude-opus-5-5"
CLAUDE_CODE_BETAS = (
    "claude-code-20250219",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "prompt-caching-scope-2026-01-05",
    "effort-2025-11-24",
)
CACHED: BetaCacheControlEphemeralParam = {"type": "ephemeral"}


@pytest.fixture
def strict(fresh: MockServer) -> Iterator[MockServer]:
    """The session server, strict; no request of the test may break the contract."""
    assert fresh.strictness == "strict"
    yield fresh
    assert fresh.failures() == []


def _cc_tool(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "input_schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
            "additionalProperties": False,
        },
    }


class ClaudeCode:
    """Drives a conversation the way Claude Code does: x-api-key and the 2023 version,
    betas, a streamed request per turn with the whole history, system blocks and the
    newest user block cache-marked, replies sent back as received (thinking signed)."""

    def __init__(self, server: MockServer) -> None:
        self.client = anthropic.Anthropic(
            base_url=server.base_url,
            api_key=TEST_KEY,
            max_retries=0,
            default_headers={"anthropic-version": "2023-06-01", "x-api-key": TEST_KEY},
        )
        tools = [
            _cc_tool("Bash", "Run a shell command."),
            _cc_tool("Read", "Read a file from the repository."),
            _cc_tool("Edit", "Edit a file in place."),
            _cc_tool("Grep", "Search the files for a pattern."),
        ]
        tools[-1]["cache_control"] = CACHED
        self.tools = tools
        self.messages: list[dict[str, Any]] = []

    def _history(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = json.loads(json.dumps(self.messages))
        for message in messages:
            for block in message["content"] if isinstance(message["content"], list) else ():
                block.pop("cache_control", None)
        last = messages[-1]["content"]
        if isinstance(last, list):
            last[-1]["cache_control"] = CACHED
        return messages

    def turn(self, *blocks: dict[str, Any]) -> anthropic.types.beta.BetaMessage:
        self.messages.append({"role": "user", "content": list(blocks)})
        with self.client.beta.messages.stream(
            model=OPUS,
            max_tokens=64000,
            betas=list(CLAUDE_CODE_BETAS),
            system=[
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.0"},
                {"type": "text", "text": "You are Claude Code.", "cache_control": CACHED},
                {"type": "text", "text": "Working directory: /repo", "cache_control": CACHED},
            ],
            tools=self.tools,  # type: ignore[arg-type]
            thinking={"type": "adaptive"},
            output_config={"effort": "high"},
            context_management={"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            metadata={"user_id": json.dumps({"device_id": "d1", "session_id": "s1"})},
            messages=self._history(),  # type: ignore[arg-type]
        ) as stream:
            reply = stream.get_final_message()
        content = [b.model_dump(mode="json", exclude_none=True) for b in reply.content]
        self.messages.append({"role": "assistant", "content": content})
        return reply


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def _results(reply: anthropic.types.beta.BetaMessage, output: str) -> list[dict[str, Any]]:
    return [
        {"type": "tool_result", "tool_use_id": block.id, "content": output}
        for block in reply.content
        if block.type == "tool_use"
    ]


def test_a_claude_code_agent_session_passes_at_every_turn(strict: MockServer) -> None:
    cc = ClaudeCode(strict)
    reminder = _text("<system-reminder>The todo list is empty.</system-reminder>")
    first = cc.turn(_text("Run the failing test in tests/test_x.py"), reminder)
    assert [b.type for b in first.content] == ["thinking", "text", "tool_use"]
    second = cc.turn(*_results(first, "1 failed: assert f() == 2"), reminder)
    assert second.stop_reason == "end_turn"
    cc.messages.append({"role": "system", "content": "The user switched to plan mode."})
    # The default reply makes one call per conversation: a later request gets text.
    third = cc.turn(_text("Now grep the files for the definition of f."))
    assert [b.type for b in third.content] == ["thinking", "text"]
    fourth = cc.turn(_text("And the tests?"), reminder)
    assert fourth.content[0].type == "thinking"
    cc.turn(_text("Thanks."))
    calls = strict.journal.messages()
    assert [e.status for e in calls] == [200] * 5
    assert calls[-1].headers["x-api-key"] == key_digest(TEST_KEY)
    assert len(calls[-1].body["messages"]) == 10
    # The control: the thinking sent back is checked, so an edited block is refused.
    del cc.messages[-2:]
    cc.messages[1]["content"][0]["thinking"] += " (edited)"
    with strict.expect_rejection(), pytest.raises(anthropic.BadRequestError, match="signature"):
        cc.turn(_text("Thanks."))


def test_sdk_tool_runner_with_streaming_and_adaptive_thinking(
    strict: MockServer, client: anthropic.Anthropic
) -> None:
    calls: list[str] = []

    @beta_tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        calls.append(city)
        return "sunny"

    @beta_tool
    def get_time(zone: str) -> str:
        """The local time in a time zone."""
        return "12:00"

    runner = client.beta.messages.tool_runner(
        model=OPUS,
        max_tokens=4000,
        thinking={"type": "adaptive"},
        tools=[get_weather, get_time],
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        stream=True,
    )
    finals = [stream.get_final_message() for stream in runner]
    assert calls == ["example"]
    assert [b.type for b in finals[-1].content] == ["thinking", "text"]
    assert [e.status for e in strict.journal.messages()] == [200, 200]


class Answer(BaseModel):
    city: str
    temperature_c: float


def test_structured_output_through_parse(strict: MockServer, client: anthropic.Anthropic) -> None:
    parsed = client.messages.parse(
        model=OPUS,
        max_tokens=2000,
        messages=[{"role": "user", "content": "The weather in Paris, as JSON."}],
        output_format=Answer,
    )
    assert isinstance(parsed.parsed_output, Answer)
    sent = strict.journal.last_call.body["output_config"]["format"]
    assert sent["type"] == "json_schema"


def test_structured_output_through_a_forced_tool(
    strict: MockServer, client: anthropic.Anthropic
) -> None:
    schema = Answer.model_json_schema()
    reply = client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        messages=[{"role": "user", "content": "Extract the answer."}],
        tools=[{"name": "Answer", "description": "Record it.", "input_schema": schema}],
        tool_choice={"type": "tool", "name": "Answer"},
    )
    (call,) = reply.content
    assert call.type == "tool_use"
    Answer.model_validate(call.input)
