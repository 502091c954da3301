"""RequestValidator: errors inside messages, blocks, options and tools, in the API's words."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.contract.context import VERSION_2026, RequestContext
from mockserver.contract.validation import RequestValidator

BASE: dict[str, Any] = {
    "model": "claude-opus-5-5",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}
GA_BLOCK_TAGS = (
    "'bash_code_execution_tool_result', 'code_execution_tool_result', 'container_upload', "
    "'document', 'image', 'redacted_thinking', 'search_result', 'server_tool_use', 'text', "
    "'text_editor_code_execution_tool_result', 'thinking', 'tool_result', "
    "'tool_search_tool_result', 'tool_use', 'web_fetch_tool_result', 'web_search_tool_result'"
)
PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}
TOOL = {"name": "get_weather", "input_schema": {"type": "object"}}


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator()


def messages_of(validator: RequestValidator, body: Any) -> list[str]:
    ctx = RequestContext("req_test", "sk-test", VERSION_2026, frozenset(), {})
    return [p.message for p in validator.check("messages", body, ctx)]


def first(validator: RequestValidator, body: Any) -> str:
    found = messages_of(validator, body)
    assert found, "expected the body to be refused"
    return found[0]


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def with_messages(*messages: Any) -> dict[str, Any]:
    return {**BASE, "messages": list(messages)}


def test_unknown_block_type_lists_the_expected_tags(validator: RequestValidator) -> None:
    body = with_messages(
        user(
            {"type": "text", "text": "Hi"},
            {"type": "text", "text": "and"},
            {"type": "image_url", "image_url": {"url": "https://x"}},
        )
    )
    assert first(validator, body) == (
        "messages.0.content.2: Input tag 'image_url' found using 'type' does not match any of "
        f"the expected tags: {GA_BLOCK_TAGS}"
    )


def test_unknown_tool_type_lists_custom_among_the_tags(validator: RequestValidator) -> None:
    body = {**BASE, "tools": [TOOL, {"type": "str_replace_based_edit_tool", "name": "edit"}]}
    message = first(validator, body)
    assert message.startswith(
        "tools.1: Input tag 'str_replace_based_edit_tool' found using 'type' does not match any "
        "of the expected tags: 'bash_20250124', 'browser_toolset_20260801', "
    )
    assert "'computer_toolset_20260801', 'custom', 'memory_20250818'," in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            with_messages(
                user(
                    {"type": "text", "text": "Hi"},
                    {
                        "type": "tool_use",
                        "id": "toolu_01",
                        "name": "f",
                        "input": {},
                        "text": "stray",
                    },
                )
            ),
            "messages.0.content.1.tool_use.text: Extra inputs are not permitted",
        ),
        (
            with_messages(
                user(
                    {"type": "text", "text": "a"},
                    {"type": "text", "text": "b"},
                    {"type": "image", "source": {**PNG, "media_type": "image/bmp"}},
                )
            ),
            "messages.0.content.2.image.source.base64.media_type: Input should be 'image/jpeg', "
            "'image/png', 'image/gif' or 'image/webp'",
        ),
        (
            with_messages(
                user(
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01",
                        "content": [
                            {"type": "image", "source": {**PNG, "media_type": "image/svg+xml"}}
                        ],
                    }
                )
            ),
            "messages.0.content.0.tool_result.content.0.image.source.base64.media_type: Input "
            "should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
        ),
        (
            with_messages(user({"type": "text", "text": None})),
            "messages.0.content.0.text.text: Input should be a valid string",
        ),
        (
            with_messages(user({"type": "tool_use", "id": "toolu_01", "name": "f", "input": "{}"})),
            "messages.0.content.0.tool_use.input: Input should be a valid dictionary",
        ),
        (
            with_messages(user({"type": "tool_use", "id": "toolu 01", "name": "f", "input": {}})),
            "messages.0.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
        ),
        (
            with_messages(
                user(
                    {
                        "type": "document",
                        "title": "",
                        "source": {"type": "text", "media_type": "text/plain", "data": "notes"},
                    }
                )
            ),
            "messages.0.content.0.document.title: String should have at least 1 character",
        ),
        (
            with_messages(
                user({"type": "text", "text": "Hi", "cache_control": {"type": "persistent"}})
            ),
            "messages.0.content.0.text.cache_control: Input tag 'persistent' found using 'type' "
            "does not match any of the expected tags: 'ephemeral'",
        ),
        (
            with_messages(user({"text": "Hi"})),
            "messages.0.content.0: Unable to extract tag using discriminator 'type'",
        ),
        (
            with_messages(user("Hi")),
            "messages.0.content.0: Input should be a valid dictionary or object to extract fields "
            "from",
        ),
        (
            with_messages({"role": "user", "content": 42}),
            "messages.0.content: Input should be a valid list",
        ),
        (
            with_messages({"role": "user", "content": {"type": "text", "text": "Hi"}}),
            "messages.0.content: Input should be a valid list",
        ),
        (with_messages({"role": "user"}), "messages.0.content: Field required"),
    ],
)
def test_content_blocks(validator: RequestValidator, body: Any, expected: str) -> None:
    assert first(validator, body) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {"role": "ai", "content": "Hi"},
            'messages: Unexpected role "ai". Allowed roles are "user", "assistant" or "system"',
        ),
        ({"content": "Hi"}, "messages.0.role: Field required"),
        ("Hi", "messages.0: Input should be a valid dictionary"),
        (
            {"role": "user", "content": "Hi", "name": "bob"},
            "messages.0.name: Extra inputs are not permitted",
        ),
    ],
)
def test_messages_and_roles(validator: RequestValidator, message: Any, expected: str) -> None:
    assert first(validator, with_messages(message)) == expected


def test_system_messages_take_text_blocks_only(validator: RequestValidator) -> None:
    image = {"type": "image", "source": PNG}
    body = with_messages({"role": "user", "content": "Hi"}, {"role": "system", "content": [image]})
    assert set(messages_of(validator, body)) == {
        "messages.1.content.0.text: Field required",
        "messages.1.content.0.type: Input should be 'text'",
        "messages.1.content.0.source: Extra inputs are not permitted",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {**BASE, "thinking": {"type": "enabled", "budget_tokens": 1000}},
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        ),
        (
            {**BASE, "thinking": {"type": "enabled"}},
            "thinking.enabled.budget_tokens: Field required",
        ),
        (
            {**BASE, "thinking": {"type": "adaptive", "budget_tokens": 2048}},
            "thinking.adaptive.budget_tokens: Extra inputs are not permitted",
        ),
        (
            {**BASE, "thinking": {"type": "auto"}},
            "thinking: Input tag 'auto' found using 'type' does not match any of the expected "
            "tags: "
            "'adaptive', 'between_tools', 'disabled', 'enabled'",
        ),
        ({**BASE, "tool_choice": {"type": "tool"}}, "tool_choice.tool.name: Field required"),
        (
            {**BASE, "cache_control": {"type": "ephemeral", "ttl": "10m"}},
            "cache_control.ephemeral.ttl: Input should be '5m' or '1h'",
        ),
        (
            {
                **BASE,
                "system": [
                    {"type": "text", "text": "a"},
                    {"type": "text", "text": "b"},
                    {
                        "type": "text",
                        "text": "c",
                        "cache_control": {"type": "ephemeral", "scope": "global"},
                    },
                ],
            },
            "system.2.cache_control.ephemeral.scope: Extra inputs are not permitted",
        ),
        (
            {**BASE, "output_config": {"format": {"type": "json_schema"}}},
            "output_config.format.schema: Field required",
        ),
        ({**BASE, "container": 5}, "container: Input should be a valid dictionary"),
    ],
)
def test_options(validator: RequestValidator, body: Any, expected: str) -> None:
    assert first(validator, body) == expected


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({"name": "get_weather"}, "tools.0.custom.input_schema: Field required"),
        (
            {"name": "get_weather", "input_schema": {"properties": {}}},
            "tools.0.custom.input_schema.type: Field required",
        ),
        (
            {"name": "get weather", "input_schema": {"type": "object"}},
            "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
        ),
        (
            {"type": "custom", "name": "f", "input_schema": {"type": "object"}, "parameters": {}},
            "tools.0.custom.parameters: Extra inputs are not permitted",
        ),
        (
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 0},
            "tools.0.web_search_20250305.max_uses: Input should be greater than 0",
        ),
        (
            {"type": "web_search_20250305", "name": "search"},
            "tools.0.web_search_20250305.name: Input should be 'web_search'",
        ),
        (
            {
                "type": "web_search_20260209",
                "name": "web_search",
                "user_location": {"type": "approximate", "country": "USA"},
            },
            "tools.0.web_search_20260209.user_location.country: "
            "String should have at most 2 characters",
        ),
        (
            {
                "type": "text_editor_20250728",
                "name": "str_replace_based_edit_tool",
                "max_characters": 0,
            },
            "tools.0.text_editor_20250728.max_characters: "
            "Input should be greater than or equal to 1",
        ),
    ],
)
def test_tools(validator: RequestValidator, tool: Any, expected: str) -> None:
    assert first(validator, {**BASE, "tools": [tool]}) == expected
