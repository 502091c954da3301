"""Every bundled scenario, used as the gateways' docs show, with the official SDK."""

# The Chinese examples use full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from conftest import MODEL, TEST_KEY

from mockserver.config import Config
from mockserver.resources import scenarios_dir
from mockserver.scripting.loader import load_scenarios
from mockserver.server import MockServer

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


@pytest.fixture(scope="module")
def bundled() -> Iterator[MockServer]:
    with MockServer(Config(port=0, bundled_scenarios=True)) as server:
        yield server


@pytest.fixture
def client(bundled: MockServer) -> Iterator[anthropic.Anthropic]:
    bundled.reset()
    with anthropic.Anthropic(base_url=bundled.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        yield sdk


def ask(client: anthropic.Anthropic, text: str, **params: Any) -> anthropic.types.Message:
    params.setdefault("max_tokens", 1024)
    return client.messages.create(
        model=MODEL, messages=[{"role": "user", "content": text}], **params
    )


def text_of(message: anthropic.types.Message) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def last_step(server: MockServer) -> str | None:
    exchange = server.journal.last
    return exchange.step if exchange else None


def test_every_bundled_file_loads() -> None:
    names = {s.name for s in load_scenarios([scenarios_dir()])}
    assert {"hello", "translator", "story", "weather", "image", "thinking", "caching"} <= names
    assert {"web-search", "effort", "rate-limit", "overloaded", "refusal", "max-tokens"} <= names


def test_hello(client: anthropic.Anthropic, bundled: MockServer) -> None:
    assert text_of(ask(client, "Hello, Claude!")) == "Hello! How can I help you today?"
    assert last_step(bundled) == "hello/greet"


def test_unrelated_requests_are_not_hijacked(
    client: anthropic.Anthropic, bundled: MockServer
) -> None:
    assert text_of(ask(client, "Hello, Claude! What is 2+2?")).startswith(
        "Hello! This is mockserver"
    )
    assert last_step(bundled) is None


def test_translator_system_prompt(client: anthropic.Anthropic) -> None:
    system = "You are a professional translator. Translate all user input to Chinese."
    assert (
        text_of(ask(client, "Hello, how are you today?", system=system)) == "你好，你今天怎么样？"
    )
    assert text_of(ask(client, "Hello, how are you today?")) != "你好，你今天怎么样？"


def test_streamed_story(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model=MODEL, max_tokens=1024, messages=[{"role": "user", "content": "讲一个故事"}]
    ) as stream:
        pieces = list(stream.text_stream)
    assert len(pieces) > 10
    assert "".join(pieces).startswith("Once upon a time, a small lighthouse")


def test_weather_tool_loop(client: anthropic.Anthropic, bundled: MockServer) -> None:
    tool = {
        "name": "get_weather",
        "description": "获取指定城市的天气信息",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "城市名称"}},
            "required": ["city"],
        },
    }
    messages: list[Any] = [{"role": "user", "content": "北京今天天气怎么样?"}]
    first = client.messages.create(model=MODEL, max_tokens=1024, tools=[tool], messages=messages)
    assert first.stop_reason == "tool_use"
    call = first.content[-1]
    assert call.type == "tool_use"
    assert call.input == {"city": "北京"}
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "晴，25°C"}],
        },
    ]
    second = client.messages.create(model=MODEL, max_tokens=1024, tools=[tool], messages=messages)
    assert text_of(second) == "北京今天的天气：晴，25°C"
    assert last_step(bundled) == "weather/answer-beijing"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"type": "url", "url": "https://example.com/image.jpg"}, "The image at the URL shows"),
        ({"type": "base64", "media_type": "image/png", "data": PNG}, "The attached image shows"),
    ],
)
def test_describe_an_image(
    client: anthropic.Anthropic, source: dict[str, Any], expected: str
) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": source},
                    {"type": "text", "text": "描述这张图片"},
                ],
            }
        ],
    )
    assert text_of(message).startswith(expected)


def test_extended_thinking(client: anthropic.Anthropic) -> None:
    message = ask(
        client,
        "Are there an infinite number of prime numbers such that n mod 4 == 3?",
        max_tokens=16000,
        thinking={"type": "enabled", "budget_tokens": 10000},
    )
    thinking, answer = message.content
    assert thinking.type == "thinking"
    assert thinking.signature
    assert thinking.thinking.startswith("Suppose there are finitely many")
    assert answer.type == "text"
    assert answer.text.startswith("Yes.")


def test_prompt_caching_of_a_large_system_prompt(client: anthropic.Anthropic) -> None:
    manual = "You answer questions about the Lighthouse Keeper's Manual below.\n" + (
        "Chapter 3. Keeping the lamp lit: trim the wick, clean the lens, log the hours. " * 300
    )
    system: Any = [{"type": "text", "text": manual, "cache_control": {"type": "ephemeral"}}]
    first = ask(client, "How often is the lens cleaned?", system=system)
    second = ask(client, "How often is the lens cleaned?", system=system)
    assert text_of(first).startswith("According to the manual: How often is the lens cleaned?")
    assert (first.usage.cache_creation_input_tokens or 0) > 0
    assert (second.usage.cache_read_input_tokens or 0) > 0


def test_web_search_with_citations(client: anthropic.Anthropic) -> None:
    message = ask(
        client,
        "How do I update a web app to TypeScript 5.5?",
        tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
    )
    kinds = [b.type for b in message.content]
    assert kinds == ["text", "server_tool_use", "web_search_tool_result", "text"]
    use, result, answer = message.content[1:]
    assert use.type == "server_tool_use"
    assert result.type == "web_search_tool_result"
    assert result.tool_use_id == use.id
    assert isinstance(result.content, list)
    assert result.content[0].encrypted_content
    assert answer.type == "text"
    assert answer.citations
    assert answer.citations[0].type == "web_search_result_location"


def test_effort_control(client: anthropic.Anthropic) -> None:
    low = ask(client, "Explain recursion.", output_config={"effort": "low"})
    high = ask(client, "Explain recursion.", output_config={"effort": "high"})
    assert len(text_of(low)) < len(text_of(high))
    assert text_of(high).startswith("Recursion solves a problem")


def test_rate_limit_then_success(bundled: MockServer) -> None:
    bundled.reset()
    with anthropic.Anthropic(base_url=bundled.base_url, api_key=TEST_KEY, max_retries=2) as sdk:
        message = ask(sdk, "demo: rate limit")
    assert text_of(message) == "The rate limit has passed; here is your answer."
    limited, recovered = bundled.journal.messages()
    assert (limited.status, limited.step) == (429, "rate-limit/limited")
    assert recovered.step == "rate-limit/recovered"


def test_overloaded(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.OverloadedError) as caught:
        ask(client, "demo: overloaded")
    assert caught.value.status_code == 529


def test_refusal(client: anthropic.Anthropic) -> None:
    message = ask(client, "demo: refusal")
    assert message.stop_reason == "refusal"
    assert message.stop_details is not None
    assert message.stop_details.explanation == "This request was declined by the safety system."


def test_max_tokens_truncation(client: anthropic.Anthropic) -> None:
    message = ask(client, "demo: max tokens", max_tokens=8)
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 8
    assert text_of(message).startswith("One, two")
    assert "twenty-seven" not in text_of(message)


def test_stop_sequence(client: anthropic.Anthropic) -> None:
    message = ask(client, "demo: stop sequence", stop_sequences=["###"])
    assert message.stop_reason == "stop_sequence"
    assert message.stop_sequence == "###"
    assert text_of(message) == "1. Apples\n2. Pears\n"
