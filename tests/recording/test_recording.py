"""Proxy mode, recording and replay, end to end: the upstream is a second local server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from mockserver import Config, MockServer
from mockserver.recording.redaction import Redaction
from mockserver.recording.setup import NoUpstream
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, step

KEY = "sk-ant-recording-secret-0123456789"
MODEL = "claude-sonnet-4-6"
TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "The weather in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]
THINKING: Any = {"type": "enabled", "budget_tokens": 1024}


@pytest.fixture
def upstream() -> Iterator[MockServer]:
    with MockServer(Config(port=0)) as server:
        yield server


def script_weather(server: MockServer) -> None:
    server.add(
        Scenario(
            "weather",
            steps=[
                step(
                    Reply.blocks(
                        {"type": "thinking", "thinking": "I should look it up."},
                        {"type": "tool_use", "name": "get_weather", "input": {"city": "Paris"}},
                    )
                ),
                step("It is sunny in Paris.", tool_result="get_weather"),
            ],
        )
    )


@pytest.fixture
def proxy() -> Iterator[MockServer]:
    with MockServer(Config(port=0)) as server:
        yield server


def client(server: MockServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url, api_key=KEY, max_retries=2)


def tool_loop(server: MockServer) -> tuple[list[Any], list[str], Any]:
    """Turn 1 (after a 429 the SDK retries), then turn 2 streamed: the messages, the
    stream's event types and the messages sent."""
    sdk = client(server)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = sdk.messages.create(
        model=MODEL, max_tokens=2000, tools=TOOLS, thinking=THINKING, messages=messages
    )
    tool_use = next(b for b in first.content if b.type == "tool_use")
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny"}],
        },
    ]
    with sdk.messages.stream(
        model=MODEL, max_tokens=2000, tools=TOOLS, thinking=THINKING, messages=messages
    ) as stream:
        events = [event.type for event in stream]
        second = stream.get_final_message()
    return [first, second], events, messages


def without_ids(message: Any) -> dict[str, Any]:
    data = message.model_dump()
    data.pop("id")
    return data


def test_a_tool_loop_recorded_through_the_proxy_replays_offline(
    upstream: MockServer, proxy: MockServer, tmp_path: Path
) -> None:
    script_weather(upstream)
    cassette = tmp_path / "cassettes" / "loop.yaml"
    proxy.record(cassette, mode="once", upstream=upstream.base_url)
    upstream.fail_next(429, retry_after=0.01)
    recorded, recorded_events, _ = tool_loop(proxy)
    statuses = [e.status for e in proxy.journal]
    assert statuses == [429, 200, 200]
    assert [e.extra.get("upstream") for e in proxy.journal] == [upstream.base_url] * 3
    # The upstream saw the client's own credentials.
    assert upstream.journal.last_request is not None
    text = cassette.read_text(encoding="utf-8")
    assert KEY not in text
    assert "x-api-key" not in text
    assert "trusted_signatures" in text
    assert "status: 429" in text

    with MockServer(Config(port=0, signatures="strict")) as offline:
        offline.record(cassette, mode="none")
        replayed, replayed_events, _ = tool_loop(offline)
        assert [e.status for e in offline.journal] == [429, 200, 200]
        # Verified, not merely accepted: strict refuses any token it cannot verify.
        assert not any(e.problems or e.notices for e in offline.journal)
        assert offline.failures() == []
    assert [without_ids(m) for m in replayed] == [without_ids(m) for m in recorded]
    assert replayed_events == recorded_events
    assert "thinking" in [b.type for b in replayed[0].content]


def test_an_edited_thinking_block_is_refused_on_replay(
    upstream: MockServer, proxy: MockServer, tmp_path: Path
) -> None:
    script_weather(upstream)
    cassette = tmp_path / "loop.yaml"
    proxy.record(cassette, mode="all", upstream=upstream.base_url)
    _, _, messages = tool_loop(proxy)
    messages[1]["content"][0]["thinking"] = "Something else."
    with MockServer(Config(port=0)) as offline:
        offline.record(cassette, mode="none")
        sdk = client(offline)
        sdk.messages.create(
            model=MODEL, max_tokens=2000, tools=TOOLS, thinking=THINKING, messages=messages[:1]
        )
        with pytest.raises(anthropic.BadRequestError) as refused:
            sdk.messages.create(
                model=MODEL, max_tokens=2000, tools=TOOLS, thinking=THINKING, messages=messages
            )
    assert "Invalid `signature`" in refused.value.response.json()["error"]["message"]


def test_mode_none_names_the_nearest_step_when_the_prompt_changed(
    upstream: MockServer, proxy: MockServer, tmp_path: Path
) -> None:
    script_weather(upstream)
    cassette = tmp_path / "loop.yaml"
    proxy.record(cassette, mode="once", upstream=upstream.base_url)
    tool_loop(proxy)
    with MockServer(Config(port=0)) as offline:
        offline.record(cassette, mode="none")
        sdk = client(offline)
        # Tolerated: metadata.user_id and cache_control placement are not part of a match.
        ok = sdk.messages.create(
            model=MODEL,
            max_tokens=2000,
            tools=TOOLS,
            thinking=THINKING,
            metadata={"user_id": "someone-else"},
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": "What is the weather in Paris?",
                            "cache_control": {"type": "ephemeral"},
                        }
                    ],
                }
            ],
        )
        assert ok.stop_reason == "tool_use"
        with pytest.raises(anthropic.BadRequestError) as missed:
            sdk.messages.create(
                model=MODEL,
                max_tokens=2000,
                tools=TOOLS,
                messages=[{"role": "user", "content": "What is the weather in Rome?"}],
            )
    message = missed.value.response.json()["error"]["message"]
    assert "last user text" in message
    assert "Rome" in message
    assert "Paris" in message


def test_mode_once_replays_without_an_upstream_and_new_records_what_is_missing(
    upstream: MockServer, proxy: MockServer, tmp_path: Path
) -> None:
    cassette = tmp_path / "hello.yaml"
    proxy.record(cassette, mode="once", upstream=upstream.base_url)
    client(proxy).messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hello there"}]
    )
    assert len(upstream.journal) == 1
    # once, recorded: replayed, the upstream is not asked (nor needed).
    proxy.record(cassette, mode="once")
    again = client(proxy).messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Hello there"}]
    )
    assert len(upstream.journal) == 1
    assert again.content[0].type == "text"
    # new: the recorded request replayed, the other one forwarded and added.
    proxy.record(cassette, mode="new", upstream=upstream.base_url)
    for text in ("Hello there", "Something new"):
        client(proxy).messages.create(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": text}]
        )
    assert len(upstream.journal) == 2
    assert upstream.journal.last_request is not None
    written = cassette.read_text(encoding="utf-8")
    assert "Hello there" in written
    assert "Something new" in written
    # all: everything forwarded again, the file written afresh.
    proxy.record(cassette, mode="all", upstream=upstream.base_url)
    client(proxy).messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Only this"}]
    )
    assert len(upstream.journal) == 3
    written = cassette.read_text(encoding="utf-8")
    assert "Only this" in written
    assert "Hello there" not in written


def test_a_missing_recording_needs_an_upstream(proxy: MockServer, tmp_path: Path) -> None:
    with pytest.raises(NoUpstream):
        proxy.record(tmp_path / "absent.yaml", mode="once")


def test_an_upstream_that_is_down_is_a_502_in_the_api_envelope(
    proxy: MockServer, tmp_path: Path
) -> None:
    with MockServer(Config(port=0)) as gone:
        url = gone.base_url
    proxy.record(None, upstream=url)
    with pytest.raises(anthropic.InternalServerError) as failed:
        anthropic.Anthropic(base_url=proxy.base_url, api_key=KEY, max_retries=0).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    body = failed.value.response.json()
    assert failed.value.status_code == 502
    assert body["type"] == "error"
    assert body["error"]["type"] == "api_error"
    assert "could not be reached" in body["error"]["message"]


def test_a_violation_is_answered_locally_by_default(
    upstream: MockServer, proxy: MockServer
) -> None:
    proxy.record(None, upstream=upstream.base_url)
    with proxy.expect_rejection(), pytest.raises(anthropic.BadRequestError):
        client(proxy).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "assistant", "content": "Hi"}]
        )
    assert len(upstream.journal) == 0
    proxy.record(None, upstream=upstream.base_url, violations="forward")
    with proxy.expect_rejection(), pytest.raises(anthropic.BadRequestError):
        client(proxy).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "assistant", "content": "Hi"}]
        )
    assert len(upstream.journal) == 1


def test_count_tokens_is_forwarded(upstream: MockServer, proxy: MockServer) -> None:
    proxy.record(None, upstream=upstream.base_url)
    counted = client(proxy).messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "How many?"}]
    )
    assert counted.input_tokens > 0
    assert [e.path for e in upstream.journal] == ["/v1/messages/count_tokens"]


def test_redaction_rules_remove_fields_and_patterns(
    upstream: MockServer, proxy: MockServer, tmp_path: Path
) -> None:
    cassette = tmp_path / "r.yaml"
    proxy.record(
        cassette,
        mode="all",
        upstream=upstream.base_url,
        redaction=Redaction(patterns=(r"acct-\d+",), fields=("usage.service_tier",)),
    )
    client(proxy).messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "My acct-12345 please"}]
    )
    written = cassette.read_text(encoding="utf-8")
    assert "acct-12345" not in written
    assert "[REDACTED]" in written
    assert "service_tier" not in written
