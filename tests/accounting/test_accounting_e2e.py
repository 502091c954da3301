"""Usage figures as a cost- or cache-aware client sees them, through the official SDK."""

from __future__ import annotations

import base64
import math
from typing import Any

import anthropic
import pytest
from conftest import MODEL
from rules_support import png
from stream_support import stream_and_create

from mockserver.server import MockServer

MANUAL = "The keeper lights the lamp at dusk and logs the weather every hour. " * 300
QUESTION = [{"role": "user", "content": "When is the lamp lit?"}]


def cached_system(text: str = MANUAL, ttl: str | None = None) -> list[dict[str, Any]]:
    control: dict[str, Any] = {"type": "ephemeral"} | ({"ttl": ttl} if ttl else {})
    return [{"type": "text", "text": text, "cache_control": control}]


def create(client: anthropic.Anthropic, **params: Any) -> anthropic.types.Message:
    params = {"model": MODEL, "max_tokens": 256, "messages": QUESTION} | params
    return client.messages.create(**params)


def test_the_same_prompt_twice_writes_then_reads_the_cache(client: anthropic.Anthropic) -> None:
    first = create(client, system=cached_system()).usage
    second = create(client, system=cached_system()).usage
    assert first.cache_creation_input_tokens > 1024
    assert first.cache_read_input_tokens == 0
    assert second.cache_creation_input_tokens == 0
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.input_tokens == first.input_tokens
    assert first.cache_creation is not None
    assert first.cache_creation.ephemeral_5m_input_tokens == first.cache_creation_input_tokens


def test_a_changed_prefix_misses(client: anthropic.Anthropic) -> None:
    create(client, system=cached_system())
    changed = create(client, system=cached_system("Keeper's log, new edition. " + MANUAL)).usage
    assert changed.cache_read_input_tokens == 0
    assert changed.cache_creation_input_tokens > 0


def test_entries_expire_on_the_servers_clock(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    create(client, system=cached_system())
    create(client, system=cached_system("An hour-long manual. " + MANUAL, ttl="1h"))
    fresh.advance_clock(5 * 60 + 1)
    five_minute = create(client, system=cached_system()).usage
    one_hour = create(client, system=cached_system("An hour-long manual. " + MANUAL, ttl="1h"))
    assert five_minute.cache_read_input_tokens == 0
    assert five_minute.cache_creation_input_tokens > 0
    assert one_hour.usage.cache_read_input_tokens > 0
    assert one_hour.usage.cache_creation is not None


def test_reads_refresh_the_ttl(client: anthropic.Anthropic, fresh: MockServer) -> None:
    create(client, system=cached_system())
    fresh.advance_clock(4 * 60)
    assert create(client, system=cached_system()).usage.cache_read_input_tokens > 0
    fresh.advance_clock(4 * 60)
    assert create(client, system=cached_system()).usage.cache_read_input_tokens > 0


def test_below_the_minimum_nothing_is_cached(client: anthropic.Anthropic) -> None:
    short = cached_system("You are a terse lighthouse keeper.")
    for _ in range(2):
        usage = create(client, system=short).usage
        assert usage.cache_creation_input_tokens == 0
        assert usage.cache_read_input_tokens == 0


def test_caches_are_per_api_key(client: anthropic.Anthropic, fresh: MockServer) -> None:
    create(client, system=cached_system())
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="other-org", max_retries=0) as other:
        usage = create(other, system=cached_system()).usage
    assert usage.cache_read_input_tokens == 0
    assert usage.cache_creation_input_tokens > 0


def test_five_breakpoints_are_refused(client: anthropic.Anthropic) -> None:
    blocks = [
        {"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}}
        for i in range(5)
    ]
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(client, system=blocks)
    assert caught.value.body["error"]["message"] == (
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    )


def test_count_tokens_equals_the_total_a_create_reports(client: anthropic.Anthropic) -> None:
    tools: Any = [
        {
            "name": "get_weather",
            "description": "Weather for a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    params: dict[str, Any] = {"system": cached_system(), "tools": tools, "messages": QUESTION}
    counted = client.messages.count_tokens(model=MODEL, **params).input_tokens
    for _ in range(2):  # a write, then a read: the total is the same either way
        usage = create(client, **params, tool_choice={"type": "none"}).usage
        total = usage.input_tokens + usage.cache_creation_input_tokens
        assert total + usage.cache_read_input_tokens == counted


def test_count_tokens_does_not_fill_the_cache(client: anthropic.Anthropic) -> None:
    client.messages.count_tokens(model=MODEL, system=cached_system(), messages=QUESTION)
    assert create(client, system=cached_system()).usage.cache_read_input_tokens == 0


def image_message(width: int, height: int) -> list[dict[str, Any]]:
    data = base64.b64encode(png(width, height)).decode()
    source = {"type": "base64", "media_type": "image/png", "data": data}
    return [
        {
            "role": "user",
            "content": [{"type": "image", "source": source}, {"type": "text", "text": "Describe"}],
        }
    ]


def test_image_tokens_follow_the_dimensions_in_the_header(client: anthropic.Anthropic) -> None:
    def count(width: int, height: int) -> int:
        messages: Any = image_message(width, height)
        return client.messages.count_tokens(model=MODEL, messages=messages).input_tokens

    small, large = count(200, 200), count(1000, 750)
    assert large - small == math.ceil(1000 * 750 / 750) - math.ceil(200 * 200 / 750)
    # Past the long-edge limit the image is scaled down first: 4000x3000 costs what 1568x1176 does.
    assert count(4000, 3000) == count(1568, 1176)


def test_max_tokens_cuts_the_reply_in_json_and_in_the_stream(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    story = "Once upon a time a keeper lit the lamp at dusk and watched the ships. " * 20
    fresh.reply_text(story, times=2)
    streamed, plain = stream_and_create(client, model=MODEL, max_tokens=20, messages=QUESTION)
    for message in (streamed, plain):
        assert message.stop_reason == "max_tokens"
        assert message.usage.output_tokens == 20
        text = message.content[0]
        assert text.type == "text"
        assert story.startswith(text.text)
        assert len(text.text) < len(story)
    assert streamed.content[0].model_dump()["text"] == plain.content[0].model_dump()["text"]


def test_a_stop_sequence_cuts_before_it_in_json_and_in_the_stream(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    fresh.reply_text("Step one. Step two.\n###\nStep three.", times=2)
    streamed, plain = stream_and_create(
        client, model=MODEL, max_tokens=200, stop_sequences=["###", "never"], messages=QUESTION
    )
    for message in (streamed, plain):
        assert message.stop_reason == "stop_sequence"
        assert message.stop_sequence == "###"
        assert message.content[0].type == "text"
        assert message.content[0].text == "Step one. Step two.\n"
    assert streamed.usage.output_tokens == plain.usage.output_tokens


def test_max_tokens_zero_is_a_cache_prewarm(client: anthropic.Anthropic) -> None:
    warm = create(client, system=cached_system(), max_tokens=0)
    assert warm.content == []
    assert warm.usage.output_tokens == 0
    assert warm.usage.cache_creation_input_tokens > 0
    assert create(client, system=cached_system()).usage.cache_read_input_tokens > 0


def test_diagnostics_explain_a_miss(client: anthropic.Anthropic) -> None:
    first = create(client, system=cached_system(), diagnostics={"previous_message_id": None})
    second = create(
        client,
        system=cached_system("A different manual. " + MANUAL),
        diagnostics={"previous_message_id": first.id},
    )
    assert second.diagnostics is not None
    reason = second.diagnostics.cache_miss_reason
    assert reason is not None
    assert reason.type == "system_changed"


def test_usage_is_the_same_in_json_and_stream(client: anthropic.Anthropic) -> None:
    streamed, plain = stream_and_create(
        client, model=MODEL, max_tokens=300, system=cached_system(), messages=QUESTION
    )
    assert streamed.usage.input_tokens == plain.usage.input_tokens
    assert streamed.usage.output_tokens == plain.usage.output_tokens
    # The first call wrote the cache, the second read it: together they are one prompt.
    assert streamed.usage.cache_creation_input_tokens == plain.usage.cache_read_input_tokens
