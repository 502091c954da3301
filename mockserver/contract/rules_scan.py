"""What each message of a request holds, as the semantic rules need to know it.

A message's scan notes the `features` it brings (the kinds of content some rule looks
for, and the few things the rules every request must pass object to) and, in a user or
assistant message, its tool blocks. None of it depends on where the message sits: the
indices, turns and pairing are derived from the scans (`RuleRequest`, `rules_turns`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import compress, count
from typing import Any, NamedTuple

# Names in `RuleRequest.features`. Settings the request sets:
THINKING = "thinking"  # a `thinking` object with fields
TEMPERATURE = "temperature"
TOP_K = "top_k"
TOP_P = "top_p"
TOOL_CHOICE = "tool_choice"
CONTEXT_MANAGEMENT = "context_management"
OUTPUT_CONFIG = "output_config"
SAMPLING = "sampling"  # any of `temperature`, `top_p`, `top_k`
PREFILL = "prefill"  # the conversation ends with an assistant turn
MAX_TOKENS = "max_tokens"  # an integer `max_tokens` above the model's usual maximum
# What the conversation holds:
IMAGES = "images"  # an image block: top level, in a tool_result, in a content document
THINKING_BLOCKS = "thinking_blocks"  # a thinking or redacted_thinking block, any message
CACHE_CONTROL = "cache_control"  # a `cache_control` key anywhere the API reads breakpoints
# A tool definition with a `type` (a server, beta or versioned tool) other than "custom".
TYPED_TOOLS = "typed_tools"
TOOL_USES = "tool_uses"  # a tool_use block in a user or assistant message
TOOL_RESULTS = "tool_results"  # a tool_result block in a user or assistant message
DOCUMENTS = "documents"  # a document block: top level, or in a tool_result
SYSTEM_MESSAGES = "system_messages"  # a `role: "system"` message inside `messages`
# A text block with `citations`, or a search_result (top level or in a tool_result or
# content document), whose text blocks may have them.
CITATIONS = "citations"
# What the rules every conversation must pass object to:
NO_MESSAGES = "no_messages"  # `messages` is an empty list
EMPTY_CONTENT = "empty_content"  # a user or assistant message with no content blocks
BLANK_TEXT = "blank_text"  # a user or assistant text block that is empty or whitespace
REPEATED_TOOL_NAMES = "repeated_tool_names"  # two tool definitions with the same name
# The features whose rules look only at the messages holding them (`messages_with`).
BY_MESSAGE = frozenset({IMAGES, DOCUMENTS, CITATIONS, EMPTY_CONTENT, BLANK_TEXT, SYSTEM_MESSAGES})

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)
_THINKING_TYPES = ("thinking", "redacted_thinking")
_TURN_ROLES = ("user", "assistant")
_NONE: frozenset[str] = frozenset()

# A tool_use or tool_result block of a message: (block index, id), the id being the one
# it pairs by (a use's `id`, a result's `tool_use_id`; None unless a string).
ToolId = tuple[int, "str | None"]


class MessageScan(NamedTuple):
    """What one message holds."""

    role: str | None  # "user" or "assistant"; None for a message outside the turns
    features: frozenset[str]
    # Tool blocks, noted only in a user or assistant message (the turns pair them).
    uses: tuple[ToolId, ...] = ()
    results: tuple[ToolId, ...] = ()
    # How many of the first blocks are tool results (the API reads only those as the
    # answers to the calls before), and whether that is all of them.
    lead: int = 0
    all_results: bool = False


# What most string messages scan to, and what any other message without features does.
_PLAIN = {role: MessageScan(role, _NONE) for role in _TURN_ROLES}
_ASIDE = MessageScan(None, _NONE)
_SYSTEM = MessageScan(None, frozenset((SYSTEM_MESSAGES,)))


def scan_message(message: Any) -> MessageScan:
    if not isinstance(message, _MAPPING):
        return _ASIDE
    role: Any = message.get("role")
    in_turn = role in _TURN_ROLES
    content = message.get("content")
    if isinstance(content, str):
        if not in_turn:
            return _SYSTEM if role == "system" else _ASIDE
        if content.strip():
            return _PLAIN[role]
        return MessageScan(role, frozenset((BLANK_TEXT if content else EMPTY_CONTENT,)))
    if not isinstance(content, list) or not content:
        if in_turn:
            return MessageScan(role, frozenset((EMPTY_CONTENT,)))
        return _SYSTEM if role == "system" else _ASIDE
    if in_turn:
        return _scan_blocks(role, content)
    scan = _scan_blocks(None, content)
    return scan._replace(features=scan.features | _SYSTEM.features) if role == "system" else scan


def _scan_blocks(role: str | None, content: list[Any]) -> MessageScan:
    features: set[str] = set()
    uses: list[ToolId] = []
    results: list[ToolId] = []
    lead = 0
    for j, block in enumerate(content):
        if not isinstance(block, _MAPPING):
            continue
        if "cache_control" in block:
            features.add(CACHE_CONTROL)
        kind = block.get("type")
        # Equality tests only: an odd `type` may be unhashable.
        if kind == "text":
            text = block.get("text")
            if role is not None and isinstance(text, str) and not text.strip():
                features.add(BLANK_TEXT)
            if "citations" in block:
                features.add(CITATIONS)
        elif kind == "tool_use":
            if role is not None:
                features.add(TOOL_USES)
                uses.append((j, _string(block.get("id"))))
        elif kind == "tool_result":
            if role is not None:
                features.add(TOOL_RESULTS)
                results.append((j, _string(block.get("tool_use_id"))))
                lead += lead == j
            _scan_nested(block.get("content"), features)
        elif kind in _THINKING_TYPES:
            features.add(THINKING_BLOCKS)
        elif kind == "image":
            features.add(IMAGES)
        elif kind == "document":
            features.add(DOCUMENTS)
            source = block.get("source")
            if isinstance(source, _MAPPING) and source.get("type") == "content":
                _scan_nested(source.get("content"), features)
        elif kind == "search_result":
            features.add(CITATIONS)
    return MessageScan(
        role, frozenset(features), tuple(uses), tuple(results), lead, lead == len(content)
    )


def _scan_nested(content: Any, features: set[str]) -> None:
    """Note the features inside a tool_result's or a document's content list."""
    if isinstance(content, list):
        for inner in content:
            if isinstance(inner, _MAPPING):
                kind = inner.get("type")
                if kind == "image":
                    features.add(IMAGES)
                elif kind == "document":  # inside a tool result
                    features.add(DOCUMENTS)
                elif kind == "search_result":
                    features.add(CITATIONS)
                if "cache_control" in inner:
                    features.add(CACHE_CONTROL)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def holding(feature: str, scans: Sequence[MessageScan], start: int) -> tuple[int, ...]:
    """The indices of the messages holding a feature, the first scan's index being `start`."""
    return tuple(compress(count(start), [feature in scan.features for scan in scans]))
