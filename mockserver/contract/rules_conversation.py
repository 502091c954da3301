"""The shape of the conversation: messages present, content non-empty, how it may end."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from .rules_request import Block, RuleRequest, blocks, problem
from .rules_scan import BLANK_TEXT, EMPTY_CONTENT

# Blocks a paused server-tool turn ends with: sending such a turn back (stop_reason
# `pause_turn`) continues it, which is not a prefill even on models that refuse one.
_CLIENT_BLOCKS = frozenset(
    {
        "text",
        "image",
        "document",
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "search_result",
    }
)


def rule_messages_present(req: RuleRequest) -> Iterator[Problem]:
    if isinstance(req.body.get("messages"), list) and not req.body["messages"]:
        # Wording unverified (api-surface.md §9 lists it without a quoted report).
        yield problem("messages_present", "messages: at least one message is required", "messages")


def rule_non_empty_content(req: RuleRequest) -> Iterator[Problem]:
    messages = req.messages
    for i in req.messages_with(EMPTY_CONTENT):
        role = messages[i].get("role")
        # A system message may be empty (an effort-only one is `content: []`, per the
        # docs' per-message effort example); so may the final assistant message.
        if role not in ("user", "assistant") or blocks(messages[i].get("content")):
            continue
        if role == "assistant" and i == req.last_index:
            continue
        yield problem(
            "non_empty_content",
            f"messages.{i}: all messages must have non-empty content except for the optional "
            "final assistant message",
            f"messages.{i}",
        )


def rule_text_blocks_have_text(req: RuleRequest) -> Iterator[Problem]:
    messages = req.messages
    for i in req.messages_with(BLANK_TEXT):
        if messages[i].get("role") not in ("user", "assistant"):
            continue
        content = blocks(messages[i].get("content"))
        for j, block in enumerate(content):
            text = block.get("text")
            if block.get("type") != "text" or not isinstance(text, str):
                continue
            if not text:
                yield problem(
                    "text_not_empty",
                    "messages: text content blocks must be non-empty",
                    f"messages.{i}.content.{j}",
                )
            elif not text.strip() and not _ends_final_assistant(req, i, j, len(content)):
                # The last block of a final assistant message gets the trailing-whitespace
                # message instead.
                yield problem(
                    "text_not_whitespace",
                    "messages: text content blocks must contain non-whitespace text",
                    f"messages.{i}.content.{j}",
                )


def rule_prefill_supported(req: RuleRequest) -> Iterator[Problem]:
    if req.kind != "messages" or req.model is None or req.model.accepts_prefill:
        return
    content = _final_assistant(req)
    if content and str(content[-1].get("type")) in _CLIENT_BLOCKS:
        yield problem(
            "prefill_supported",
            "This model does not support assistant message prefill. The conversation must "
            "end with a user message.",
            f"messages.{req.last_index}",
        )


def rule_prefill_no_trailing_whitespace(req: RuleRequest) -> Iterator[Problem]:
    content = _final_assistant(req) if req.kind == "messages" else None
    last = content[-1] if content else {}
    text = last.get("text")
    if last.get("type") == "text" and isinstance(text, str) and text and text != text.rstrip():
        yield problem(
            "prefill_trailing_whitespace",
            "messages: final assistant content cannot end with trailing whitespace",
            f"messages.{req.last_index}",
        )


def _final_assistant(req: RuleRequest) -> list[Block] | None:
    """The blocks of the final assistant message, when the conversation ends with one."""
    if not req.ends_with_assistant or req.last_index is None:
        return None
    return blocks(req.messages[req.last_index].get("content"))


def _ends_final_assistant(req: RuleRequest, i: int, j: int, count: int) -> bool:
    return req.ends_with_assistant and i == req.last_index and j == count - 1
