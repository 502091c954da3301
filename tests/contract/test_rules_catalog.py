"""A catalog of invalid requests: each must fail with the API's exact first message."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import (
    WEATHER,
    Case,
    assistant,
    check_case,
    model,
    problems,
    reply,
    request,
    text,
    thinking,
    tool_result,
    tool_use,
    user,
)

from mockserver.contract.context import VERSION_2023

ENABLED = {"type": "enabled", "budget_tokens": 1024}
BINDING_NOTE = (
    "Invalid `signature` in `thinking` block. The block is bound to a different "
    "conversation. Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` "
    'to "drop_block". That setting requires the `thinking-binding-controls-2026-08-01` value '
    "in the `anthropic-beta` header."
)
OPUS_BINDING = model("claude-opus-5-5", binds_thinking=True)


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
        # The API takes only the results a turn starts with as answers (its docs: tool
        # results come first, any text after them); worded as any unanswered call is.
        "tool-result-after-text",
        request(
            user("Weather?"),
            assistant([tool_use("toolu_01A")]),
            user([text("Here you go."), tool_result("toolu_01A")]),
        ),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A. Each `tool_use` block must have a corresponding `tool_result` block in the "
        "next message.",
    ),
    Case(
        "tool-result-in-a-later-message-of-the-turn",
        request(
            user("Weather?"),
            assistant([tool_use("toolu_01A")]),
            user("One moment."),
            user([tool_result("toolu_01A")]),
        ),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A. Each `tool_use` block must have a corresponding `tool_result` block in the "
        "next message.",
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
        "top-k-with-thinking",
        request(user("hi"), max_tokens=4096, thinking=ENABLED, top_k=40),
        "`top_k` must be unset when thinking is enabled. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
        "#important-considerations-when-using-extended-thinking",
        {"version": VERSION_2023},
    ),
    Case(
        "top-p-below-0.95-with-thinking",
        request(user("hi"), max_tokens=4096, thinking=ENABLED, top_p=0.9),
        "`top_p` must be between 0.95 and 1 when thinking is enabled. Please consult our "
        "documentation at https://docs.claude.com/en/docs/build-with-claude/"
        "extended-thinking#important-considerations-when-using-extended-thinking",
        {"version": VERSION_2023},
    ),
    Case(
        "tool-use-ids-repeated",
        request(
            user("Weather in two cities?"),
            assistant([tool_use("toolu_01A"), tool_use("toolu_01A")]),
            user([tool_result("toolu_01A")]),
        ),
        "messages.1.content.1: tool_use ids must be unique",
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
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_invalid_request_fails_with_the_api_message(case: Case) -> None:
    check_case(case)


def test_results_leading_the_turn_answer_however_the_turn_is_split() -> None:
    calls = assistant([tool_use("toolu_01A"), tool_use("toolu_01B")])
    results_then_text = user([tool_result("toolu_01A"), tool_result("toolu_01B"), text("Go on.")])
    split = [user([tool_result("toolu_01A")]), user([tool_result("toolu_01B"), text("Go on.")])]
    for answer in ([results_then_text], split):
        assert problems(request(user("Weather?"), calls, *answer)) == []


def test_sampling_the_docs_allow_with_thinking_and_ids_reused_across_turns_pass() -> None:
    thinking = request(user("hi"), max_tokens=4096, thinking=ENABLED, top_p=0.97)
    assert problems(thinking, version=VERSION_2023) == []
    off = {**thinking, "top_p": 0.3, "thinking": {"type": "disabled"}}
    assert problems(off, version=VERSION_2023) == []
    again = request(
        user("Weather?"),
        assistant([tool_use("toolu_01A")]),
        user([tool_result("toolu_01A")]),
        assistant([tool_use("toolu_01A")]),
        user([tool_result("toolu_01A")]),
    )
    assert problems(again) == []
