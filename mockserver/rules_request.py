"""The request as the semantic rules read it: tolerant views over a schema-checked body.

Every accessor copes with odd input (wrong types, missing fields) by seeing less, so a
rule never raises; the schema stage has already reported what is malformed.

The views are built in one pass over the messages when the request is made: some twenty
rules read them, and most requests carry none of what most rules look for, so `features`
also says which kinds of content are present at all (a rule about images need not walk
a conversation that has none).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalog import ModelSpec
from .context import VERSION_2026, RequestContext
from .errors import Problem
from .signatures import Signer

Kind = Literal["messages", "count_tokens"]
Block = Mapping[str, Any]
# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)

# Names in `RuleRequest.features`. Settings the request sets:
THINKING = "thinking"  # a `thinking` object with fields
TEMPERATURE = "temperature"
TOOL_CHOICE = "tool_choice"
CONTEXT_MANAGEMENT = "context_management"
PREFILL = "prefill"  # the conversation ends with an assistant turn
# What the conversation holds:
IMAGES = "images"  # an image block: top level, in a tool_result, in a content document
THINKING_BLOCKS = "thinking_blocks"  # a thinking or redacted_thinking block, any message
CACHE_CONTROL = "cache_control"  # a `cache_control` key anywhere the API reads breakpoints
TOOLS = "tools"  # a non-empty `tools` list
TOOL_USES = "tool_uses"  # a tool_use block in a user or assistant message
TOOL_RESULTS = "tool_results"  # a tool_result block in a user or assistant message

_SETTINGS = frozenset({TEMPERATURE, TOOL_CHOICE, CONTEXT_MANAGEMENT})
_THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})
_TURN_ROLES = ("user", "assistant")


@dataclass(slots=True)
class Entry:
    """One content block and where the client put it (one per block: kept light)."""

    message: int
    index: int
    block: Block


@dataclass
class Turn:
    """Consecutive same-role messages, merged as the API merges them.

    System-role messages inside `messages` do not start or break a turn.
    """

    role: str
    messages: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def blocks(content: Any) -> list[Block]:
    """A message's content as blocks (a string is one text block; "" is none)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, list):
        return [b if isinstance(b, _MAPPING) else {} for b in content]
    return []


def mapping(value: Any) -> Mapping[str, Any]:
    # Mostly called on absent fields: `None` first, as the ABC check of it is slow.
    return value if value is not None and isinstance(value, _MAPPING) else {}


@dataclass
class RuleRequest:
    kind: Kind
    body: Mapping[str, Any]
    ctx: RequestContext
    model: ModelSpec | None
    signer: Signer
    # The `messages` array with request indices kept (odd entries become `{}`).
    messages: list[Mapping[str, Any]] = field(init=False)
    # Each message's content as blocks, by message index.
    contents: list[list[Block]] = field(init=False)
    turns: list[Turn] = field(init=False)
    # Index of the last user or assistant message (trailing system messages skipped).
    last_index: int | None = field(init=False)
    ends_with_assistant: bool = field(init=False)
    thinking: Mapping[str, Any] = field(init=False)
    # The thinking mode in effect: the one asked for, else the model's default.
    thinking_type: str | None = field(init=False)
    thinking_on: bool = field(init=False)
    is_2026: bool = field(init=False)
    # Which kinds of content the request holds (the names above).
    features: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        body = self.body
        raw = body.get("messages")
        self.messages = [mapping(m) for m in raw] if isinstance(raw, list) else []
        self.contents = [blocks(m.get("content")) for m in self.messages]
        features: set[str] = set()
        self.turns = self._walk(features)
        self.last_index = self.turns[-1].messages[-1] if self.turns else None
        self.ends_with_assistant = bool(self.turns) and self.turns[-1].role == "assistant"
        self.thinking = mapping(body.get("thinking"))
        kind = self.thinking.get("type")
        if isinstance(kind, str):
            self.thinking_type = kind
        elif self.model is not None and self.model.always_thinking:
            self.thinking_type = "adaptive"
        else:
            self.thinking_type = None
        self.thinking_on = self.thinking_type in ("enabled", "adaptive", "between_tools")
        self.is_2026 = self.ctx.version == VERSION_2026
        features.update(_SETTINGS.intersection(body))
        if self.thinking:
            features.add(THINKING)
        if self.ends_with_assistant:
            features.add(PREFILL)
        tools = body.get("tools")
        if isinstance(tools, list) and tools:
            features.add(TOOLS)
        if "cache_control" in body or _any_marked(tools) or _any_marked(body.get("system")):
            features.add(CACHE_CONTROL)
        self.features = frozenset(features)

    def _walk(self, features: set[str]) -> list[Turn]:
        """The turns, noting on the way which features the conversation holds."""
        turns: list[Turn] = []
        for i, message in enumerate(self.messages):
            role = message.get("role")
            in_turn = role in _TURN_ROLES
            if in_turn:
                if not turns or turns[-1].role != role:
                    turns.append(Turn(str(role)))
                turns[-1].messages.append(i)
            entries = turns[-1].entries if in_turn else None
            for j, block in enumerate(self.contents[i]):
                if entries is not None:
                    entries.append(Entry(i, j, block))
                if "cache_control" in block:
                    features.add(CACHE_CONTROL)
                kind = block.get("type")
                if kind == "text" or not isinstance(kind, str):
                    continue
                if kind in _THINKING_TYPES:
                    features.add(THINKING_BLOCKS)
                elif kind == "image":
                    features.add(IMAGES)
                elif kind == "tool_use" and in_turn:
                    features.add(TOOL_USES)
                elif kind == "tool_result":
                    features.update(_nested_features(block.get("content")))
                    if in_turn:
                        features.add(TOOL_RESULTS)
                elif kind == "document":
                    source = mapping(block.get("source"))
                    if source.get("type") == "content":
                        features.update(_nested_features(source.get("content")))
        return turns

    def tools(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        raw = self.body.get("tools")
        if isinstance(raw, list):
            for i, tool in enumerate(raw):
                if isinstance(tool, _MAPPING):
                    yield i, tool


def _any_marked(items: Any) -> bool:
    return isinstance(items, list) and any(
        isinstance(item, _MAPPING) and "cache_control" in item for item in items
    )


def _nested_features(content: Any) -> set[str]:
    """Images and breakpoints inside a tool_result's or a document's content list."""
    found: set[str] = set()
    for inner in content if isinstance(content, list) else ():
        if isinstance(inner, _MAPPING):
            if inner.get("type") == "image":
                found.add(IMAGES)
            if "cache_control" in inner:
                found.add(CACHE_CONTROL)
    return found


def problem(rule: str, message: str, path: str = "", **details: Any) -> Problem:
    return Problem(message, rule=rule, path=path, details=details or None)
