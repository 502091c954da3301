"""A catalog of invalid requests: each must fail with the API's exact first message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from rules_support import (
    assistant,
    image,
    jpeg,
    messages_of,
    model,
    png,
    problems,
    reply,
    request,
    schema_problems,
    text,
    thinking,
    tool_result,
    tool_use,
    user,
)

from mockserver.context import VERSION_2023

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
ENABLED = {"type": "enabled", "budget_tokens": 1024}
CITATION = {
    "type": "char_location",
    "cited_text": "quoted",
    "document_index": 0,
    "document_title": None,
    "start_char_index": 0,
    "end_char_index": 6,
}
BINDING_NOTE = (
    "Invalid `signature` in `thinking` block. The block is bound to a different "
    "conversation. Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` "
    'to "drop_block". That setting requires the `thinking-binding-controls-2026-08-01` value '
    "in the `anthropic-beta` header."
)
OPUS_BINDING = model("claude-opus-5-5", binds_thinking=True)


@dataclass
class Case:
    id: str
    body: dict[str, Any]
    message: str
    options: dict[str, Any] = field(default_factory=dict)


def _rebound(change: str) -> dict[str, Any]:
    first = request(user("What is 2+2?"), system="You are terse.", tools=[WEATHER])
    answered = reply(first, thinking("Simple."), text("4"))
    later: dict[str, Any] = request(
        user("What is 2+2?"), answered, user("And 3+3?"), system="You are terse.", tools=[WEATHER]
    )
    if change == "system":
        later["system"] = "You are verbose."
    elif change == "tools":
        later["tools"] = [{**WEATHER, "description": "Weather anywhere"}]
    else:
        later["messages"][0] = user("What is 3+3?")
    return later


def _altered_thinking() -> dict[str, Any]:
    first = request(user("hi"))
    answered = reply(first, thinking("Original reasoning."), text("hello"))
    answered["content"][0]["thinking"] = "Edited reasoning."
    return request(user("hi"), answered, user("more"), thinking={"type": "adaptive"})


def _big_image() -> dict[str, Any]:
    source = {"type": "base64", "media_type": "image/png", "data": "A" * (10 * 1024 * 1024 + 4)}
    return request(user([{"type": "image", "source": source}, text("what is this?")]))


def _many_images() -> dict[str, Any]:
    small = [image(png(100, 100)) for _ in range(20)]
    return request(user([*small, image(png(2001, 100)), text("compare")]))


CASES = [
    Case(
        "max-tokens-over-model-limit",
        request(user("hi"), model="claude-opus-4-5", max_tokens=128001),
        "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens "
        "for claude-opus-4-5-20251101",
        {"model_spec": "claude-opus-4-5"},
    ),
    Case("no-messages", request(), "messages: at least one message is required"),
    Case(
        "empty-content",
        request(user("hi"), assistant([]), user("again")),
        "messages.1: all messages must have non-empty content except for the optional final "
        "assistant message",
    ),
    Case(
        "empty-string-content",
        request(user("")),
        "messages.0: all messages must have non-empty content except for the optional final "
        "assistant message",
    ),
    Case(
        "empty-text-block",
        request(user([text("look"), text("")])),
        "messages: text content blocks must be non-empty",
    ),
    Case(
        "whitespace-text-block",
        request(user([text(" \n\t")])),
        "messages: text content blocks must contain non-whitespace text",
    ),
    Case(
        "prefill-trailing-whitespace",
        request(user("Name a colour."), assistant("The colour is ")),
        "messages: final assistant content cannot end with trailing whitespace",
        {"model_spec": "claude-haiku-4-5"},
    ),
    Case(
        "prefill-unsupported",
        request(user("Name a colour."), assistant("The colour is")),
        "This model does not support assistant message prefill. The conversation must end "
        "with a user message.",
    ),
    Case(
        "tool-use-unanswered",
        request(user("Weather?"), assistant([tool_use("toolu_01A")]), user("Well?")),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A. Each `tool_use` block must have a corresponding `tool_result` block in the "
        "next message.",
    ),
    Case(
        "tool-use-partly-answered",
        request(
            user("Weather in two cities?"),
            assistant(
                [
                    text("Checking."),
                    tool_use("toolu_01A"),
                    tool_use("toolu_01B"),
                    tool_use("toolu_01C"),
                ]
            ),
            user([tool_result("toolu_01B")]),
        ),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A, toolu_01C. Each `tool_use` block must have a corresponding `tool_result` "
        "block in the next message.",
    ),
    Case(
        "tool-result-unexpected",
        request(user("hi"), assistant("hello"), user([text("here"), tool_result("toolu_019E")])),
        "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
        "toolu_019E. Each `tool_result` block must have a corresponding `tool_use` block in the "
        "previous message.",
    ),
    Case(
        "tool-result-first-message",
        request(user([tool_result("toolu_015c")])),
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
        "toolu_015c. Each `tool_result` block must have a corresponding `tool_use` block in the "
        "previous message.",
    ),
    Case(
        "budget-not-below-max-tokens",
        request(user("hi"), max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 2048}),
        "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
        "documentation at https://docs.claude.com/en/docs/build-with-claude/"
        "extended-thinking#max-tokens-and-context-window-size",
    ),
    Case(
        "thinking-with-forced-tool",
        request(
            user("hi"),
            max_tokens=4096,
            thinking=ENABLED,
            tools=[WEATHER],
            tool_choice={"type": "any"},
        ),
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    Case(
        "forced-tool-refused-by-model",
        request(user("hi"), tools=[WEATHER], tool_choice={"type": "tool", "name": "get_weather"}),
        'tool_choice: type "tool" and "any" are not supported for this model.',
        {"model_spec": model("claude-opus-5-5", forced_tool_choice=False)},
    ),
    Case(
        "temperature-with-thinking",
        request(user("hi"), max_tokens=4096, thinking=ENABLED, temperature=0.5),
        "`temperature` may only be set to 1 when thinking is enabled. Please consult our "
        "documentation at https://docs.anthropic.com/en/docs/build-with-claude/"
        "extended-thinking#important-considerations-when-using-extended-thinking",
        {"version": VERSION_2023},
    ),
    Case(
        "enabled-on-adaptive-only-model",
        request(user("hi"), max_tokens=4096, thinking=ENABLED),
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" '
        'and "output_config.effort" to control thinking behavior.',
        {"model_spec": "claude-opus-5-5"},
    ),
    Case(
        "adaptive-on-older-model",
        request(user("hi"), thinking={"type": "adaptive"}),
        "adaptive thinking is not supported on this model",
        {"model_spec": "claude-haiku-4-5"},
    ),
    Case(
        "disabled-on-always-thinking-model",
        request(user("hi"), thinking={"type": "disabled"}),
        '"thinking.type.disabled" is not supported for this model. Thinking defaults to '
        'adaptive mode when not specified; use "thinking.type.enabled" with "budget_tokens" '
        "for extended thinking.",
        {"model_spec": "claude-fable-5"},
    ),
    Case(
        "tool-loop-without-thinking",
        request(
            user("Weather?"),
            assistant([text("Let me check."), tool_use("toolu_01A")]),
            user([tool_result("toolu_01A", "Sunny")]),
            max_tokens=4096,
            thinking=ENABLED,
        ),
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. "
        "When `thinking` is enabled, a final `assistant` message must start with a thinking block "
        "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you "
        "include thinking blocks from previous turns. To avoid this requirement, disable "
        "`thinking`. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
    ),
    Case(
        "thinking-in-final-when-disabled",
        request(user("hi"), reply(request(user("hi")), thinking(), text("Sure"))),
        "messages.1.content.0: When thinking is disabled, an `assistant` message in the final "
        "position cannot contain `thinking`. To use thinking blocks, enable `thinking` in your "
        "request.",
        {"model_spec": "claude-haiku-4-5"},
    ),
    Case(
        "clear-thinking-without-thinking",
        request(user("hi"), context_management={"edits": [{"type": "clear_thinking_20251015"}]}),
        "`clear_thinking_20251015` strategy requires `thinking` to be enabled or adaptive",
        {"betas": ["context-management-2025-06-27"]},
    ),
    Case(
        "made-up-signature",
        request(
            user("hi"),
            assistant(
                [
                    {"type": "thinking", "thinking": "hmm", "signature": "EqQBCkgIARAB"},
                    text("hello"),
                ]
            ),
            user("more"),
            thinking={"type": "adaptive"},
        ),
        "messages.1.content.0: Invalid `signature` in `thinking` block",
    ),
    Case(
        "altered-thinking-text",
        _altered_thinking(),
        "messages.1.content.0: Invalid `signature` in `thinking` block",
    ),
    Case(
        "made-up-redacted-data",
        request(
            user("hi"),
            assistant([{"type": "redacted_thinking", "data": "c29tZXRoaW5n"}, text("hello")]),
            user("more"),
            thinking={"type": "adaptive"},
        ),
        "messages.1.content.0: Invalid `data` in `redacted_thinking` block",
    ),
    Case(
        "thinking-moved-to-other-conversation",
        _rebound("messages"),
        f"messages.1.content.0: {BINDING_NOTE} The messages before this block differ from the "
        "ones it was created with.",
        {"model_spec": OPUS_BINDING},
    ),
    Case(
        "thinking-after-system-edit",
        _rebound("system"),
        f"messages.1.content.0: {BINDING_NOTE} The `system` prompt differs from the one this "
        "block was created with.",
        {"model_spec": OPUS_BINDING},
    ),
    Case(
        "thinking-after-tools-edit",
        _rebound("tools"),
        f"messages.1.content.0: {BINDING_NOTE} The `tools` differ from the ones this block was "
        "created with.",
        {"model_spec": OPUS_BINDING},
    ),
    Case(
        "image-over-10-mb",
        _big_image(),
        "messages.0.content.0.image.source.base64: image exceeds 10 MB maximum: 10485764 bytes "
        "> 10485760 bytes",
    ),
    Case(
        "image-side-over-8000",
        request(user([text("see"), image(png(8001, 600))])),
        "messages.0.content.1.image.source.base64.data: At least one of the image dimensions "
        "exceed max allowed size: 8000 pixels",
    ),
    Case(
        "many-images-side-over-2000",
        _many_images(),
        "messages.0.content.20.image.source.base64.data: At least one of the image dimensions "
        "exceed max allowed size for many-image requests: 2000 pixels",
    ),
    Case(
        "image-media-type-mismatch",
        request(user([image(png(10, 10), "image/jpeg")])),
        "messages.0.content.0.image.source.base64: The image was specified using the image/jpeg "
        "media type, but the image appears to be a image/png image",
    ),
    Case(
        "tool-result-image-media-type-mismatch",
        request(
            user("Screenshot?"),
            assistant([tool_use("toolu_01S", "screenshot")]),
            user([tool_result("toolu_01S", [text("shot"), image(jpeg(10, 10), "image/png")])]),
        ),
        "messages.2.content.0.tool_result.content.1.image.source.base64: The image was specified "
        "using the image/png media type, but the image appears to be a image/jpeg image",
    ),
    Case(
        "image-not-an-image",
        request(
            user("Screenshot?"),
            assistant([tool_use("toolu_01S", "screenshot")]),
            user([tool_result("toolu_01S", [image(b"not an image at all")])]),
        ),
        "messages.2.content.0.content.0.image.source.base64: Could not process image",
    ),
    Case(
        "document-in-assistant-2026",
        request(
            user("Summarise."),
            assistant(
                [
                    {
                        "type": "document",
                        "source": {"type": "text", "media_type": "text/plain", "data": "x"},
                    }
                ]
            ),
            user("Thanks."),
        ),
        "messages.1.content.0.document: Document blocks are not allowed in assistant messages. "
        "Send documents in user messages.",
    ),
    Case(
        "citations-in-user-text-2026",
        request(user([text("As quoted.", citations=[CITATION])])),
        "messages.0.content.0.text.citations: Citations are not allowed in user messages. Remove "
        "`citations` from this text block.",
    ),
    Case(
        "citations-in-search-result-2026",
        request(
            user(
                [
                    {
                        "type": "search_result",
                        "source": "https://example.com",
                        "title": "Example",
                        "content": [text("cited", citations=[CITATION])],
                    }
                ]
            )
        ),
        "messages.0.content.0.search_result.content.0.citations: Citations are not allowed in "
        "user messages. Remove `citations` from this text block.",
    ),
    Case(
        "duplicate-tool-names",
        request(user("hi"), tools=[WEATHER, {**WEATHER, "description": "again"}]),
        "tools: Tool names must be unique.",
    ),
    Case(
        "empty-domain-list",
        request(
            user("hi"),
            tools=[{"type": "web_search_20250305", "name": "web_search", "blocked_domains": []}],
        ),
        "tools.0.web_search_20250305.blocked_domains: Empty list of domains is ambiguous. "
        "Provide at least one domain or null.",
    ),
    Case(
        "allowed-and-blocked-domains",
        request(
            user("hi"),
            tools=[
                {
                    "type": "web_fetch_20250910",
                    "name": "web_fetch",
                    "allowed_domains": ["a.com"],
                    "blocked_domains": ["b.com"],
                }
            ],
        ),
        "tools.0.web_fetch_20250910: Cannot specify both allowed_domains and blocked_domains in "
        "the same request",
    ),
    Case(
        "beta-tool-without-beta",
        request(
            user("hi"),
            tools=[
                {
                    "type": "computer_20250124",
                    "name": "computer",
                    "display_width_px": 1024,
                    "display_height_px": 768,
                }
            ],
        ),
        "tools.0: The `computer_20250124` tool requires the `computer-use-2025-01-24` beta. Add "
        "it to the `anthropic-beta` header.",
        # Without any beta header the schema refuses the tool type itself; with an
        # unrelated beta the beta schema admits it and this rule names the missing one.
        {"betas": ["claude-code-20250219"]},
    ),
    Case(
        "too-many-cache-breakpoints",
        request(user([text(f"part {n}", cache_control={"type": "ephemeral"}) for n in range(5)])),
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_invalid_request_fails_with_the_api_message(case: Case) -> None:
    schema_options = {k: v for k, v in case.options.items() if k in ("version", "betas")}
    assert schema_problems(case.body, **schema_options) == []
    found = messages_of(problems(case.body, **case.options))
    assert found, "expected a problem"
    assert found[0] == case.message


def test_oversized_image_with_error_transformation_reports_details() -> None:
    body = request(
        user([text("see"), image(png(3000, 2000), transformations={"oversized_image": "error"})])
    )
    found = problems(body, model_spec=model("claude-sonnet-4-6", max_image_side=1568))
    assert len(found) == 1
    assert found[0].details == {
        "error_code": "image_dimensions_too_large",
        "max_side_length_pixels": 1568,
        "paths": ["messages.0.content.1"],
    }
    assert "3000x2000" in found[0].message
    assert "1568x1045" in found[0].message


def test_oversized_image_is_downsized_by_default() -> None:
    body = request(user([text("see"), image(png(3000, 2000))]))
    assert problems(body) == []
