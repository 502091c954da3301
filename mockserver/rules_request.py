"""The request as the semantic rules read it: tolerant views over a schema-checked body.

Every accessor copes with odd input (wrong types, missing fields) by seeing less, so a
rule never raises; the schema stage has already reported what is malformed.

Making the request takes one pass over the messages that notes which `features` the
request holds: the kinds of content some rule looks for, and the few things (an empty
message, a blank text block, ...) that the rules every request must pass would object
to. Most requests hold none, and a rule that cannot fire is not run; the views the
rules walk (`messages`, `contents`, `turns`) are built only when one of them asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
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
# What an absent or odd object reads as (shared: the rules only read it).
_NOTHING: Mapping[str, Any] = MappingProxyType({})

# Names in `RuleRequest.features`. Settings the request sets:
THINKING = "thinking"  # a `thinking` object with fields
TEMPERATURE = "temperature"
TOOL_CHOICE = "tool_choice"
CONTEXT_MANAGEMENT = "context_management"
PREFILL = "prefill"  # the conversation ends with an assistant turn
MAX_TOKENS = "max_tokens"  # an integer `max_tokens` above the model's usual maximum
# What the conversation holds:
IMAGES = "images"  # an image block: top level, in a tool_result, in a content document
THINKING_BLOCKS = "thinking_blocks"  # a thinking or redacted_thinking block, any message
CACHE_CONTROL = "cache_control"  # a `cache_control` key anywhere the API reads breakpoints
TOOLS = "tools"  # a non-empty `tools` list
# A tool definition with a `type` (a server, beta or versioned tool) other than "custom".
TYPED_TOOLS = "typed_tools"
TOOL_USES = "tool_uses"  # a tool_use block in a user or assistant message
TOOL_RESULTS = "tool_results"  # a tool_result block in a user or assistant message
DOCUMENTS = "documents"  # a document block at the top level of a message
# A text block with `citations`, or a search_result (top level or in a tool_result or
# content document), whose text blocks may have them.
CITATIONS = "citations"
# What the rules every conversation must pass object to:
NO_MESSAGES = "no_messages"  # `messages` is an empty list
EMPTY_CONTENT = "empty_content"  # a user or assistant message with no content blocks
BLANK_TEXT = "blank_text"  # a user or assistant text block that is empty or whitespace

_SETTINGS = frozenset({TEMPERATURE, TOOL_CHOICE, CONTEXT_MANAGEMENT})
_THINKING_TYPES = ("thinking", "redacted_thinking")
_THINKING_ON = frozenset({"enabled", "adaptive", "between_tools"})
_TURN_ROLES = ("user", "assistant")
_UNTYPED = (None, "custom")


# A tool_use or tool_result block of a turn: (message, index, id), the id being the one it
# pairs by (a use's `id`, a result's `tool_use_id`; None unless a string).
ToolBlock = tuple[int, int, "str | None"]


class Turn:
    """Consecutive same-role messages, merged as the API merges them.

    System-role messages inside `messages` do not start or break a turn.
    """

    __slots__ = ("messages", "results", "role", "uses")

    def __init__(self, role: str) -> None:
        self.role = role
        self.messages: list[int] = []
        self.uses: list[ToolBlock] = []
        self.results: list[ToolBlock] = []


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


class RuleRequest:
    # Views built on first use (see the properties).
    _messages: list[Mapping[str, Any]] | None = None
    _contents: list[list[Block]] | None = None
    _turns: list[Turn] | None = None
    _tools: list[tuple[int, Mapping[str, Any]]] | None = None

    def __init__(
        self,
        kind: Kind,
        body: Mapping[str, Any],
        ctx: RequestContext,
        model: ModelSpec | None,
        signer: Signer,
    ) -> None:
        self.kind = kind
        self.body = body
        self.ctx = ctx
        self.model = model
        self.signer = signer
        features = body.keys() & _SETTINGS
        # Messages holding an image block, nested ones included, in request order.
        self.image_messages: list[int] = []
        # The tool blocks of turns, in request order (`turns` sorts them into theirs).
        self._uses: list[ToolBlock] = []
        self._results: list[ToolBlock] = []
        # Index of the last user or assistant message (trailing system messages skipped).
        self.last_index: int | None = None
        role = self._scan(body.get("messages"), features)
        self.ends_with_assistant = role == "assistant"
        if self.ends_with_assistant:
            features.add(PREFILL)
        thinking = body.get("thinking")
        if thinking is None or not isinstance(thinking, _MAPPING):
            thinking = _NOTHING
        elif thinking:
            features.add(THINKING)
        self.thinking: Mapping[str, Any] = thinking
        max_tokens = body.get("max_tokens")
        if (
            model is not None
            and isinstance(max_tokens, int)
            and max_tokens > model.max_output_tokens
        ):
            features.add(MAX_TOKENS)
        tools = body.get("tools")
        if tools is not None and isinstance(tools, list) and tools:
            _scan_tools(tools, features)
        system = body.get("system")
        if "cache_control" in body or (system is not None and _any_marked(system)):
            features.add(CACHE_CONTROL)
        # Which kinds of content the request holds (the names above).
        self.features = frozenset(features)

    def _scan(self, raw: Any, features: set[str]) -> Any:
        """Note the conversation's features; the role of its last user or assistant
        message is the return value."""
        if not isinstance(raw, list):
            return None
        if not raw:
            features.add(NO_MESSAGES)
        last, last_role = None, None
        images = self.image_messages
        for i, message in enumerate(raw):
            if not isinstance(message, _MAPPING):
                continue
            role = message.get("role")
            in_turn = role in _TURN_ROLES
            if in_turn:
                last, last_role = i, role
            content = message.get("content")
            if isinstance(content, str):
                if in_turn and not content.strip():
                    features.add(BLANK_TEXT if content else EMPTY_CONTENT)
                continue
            if not isinstance(content, list) or not content:
                if in_turn:
                    features.add(EMPTY_CONTENT)
                continue
            if self._scan_blocks(i, content, in_turn, features):
                images.append(i)
        if images:
            features.add(IMAGES)
        self.last_index = last
        return last_role

    def _scan_blocks(self, i: int, content: list[Any], in_turn: bool, features: set[str]) -> bool:
        """Note the features of message `i`'s blocks and, in a turn, its tool blocks;
        whether it holds an image is the return value."""
        image = False
        for j, block in enumerate(content):
            if not isinstance(block, _MAPPING):
                continue
            if "cache_control" in block:
                features.add(CACHE_CONTROL)
            kind = block.get("type")
            # Equality tests only: an odd `type` may be unhashable.
            if kind == "text":
                text = block.get("text")
                if in_turn and isinstance(text, str) and not text.strip():
                    features.add(BLANK_TEXT)
                if "citations" in block:
                    features.add(CITATIONS)
            elif kind == "tool_use":
                if in_turn:
                    features.add(TOOL_USES)
                    self._uses.append((i, j, _string(block.get("id"))))
            elif kind == "tool_result":
                if in_turn:
                    features.add(TOOL_RESULTS)
                    self._results.append((i, j, _string(block.get("tool_use_id"))))
                image = _scan_nested(block.get("content"), features) or image
            elif kind in _THINKING_TYPES:
                features.add(THINKING_BLOCKS)
            elif kind == "image":
                image = True
            elif kind == "document":
                features.add(DOCUMENTS)
                source = block.get("source")
                if isinstance(source, _MAPPING) and source.get("type") == "content":
                    image = _scan_nested(source.get("content"), features) or image
            elif kind == "search_result":
                features.add(CITATIONS)
        return image

    @property
    def messages(self) -> list[Mapping[str, Any]]:
        """The `messages` array with request indices kept (odd entries read as empty)."""
        if self._messages is None:
            raw = self.body.get("messages")
            self._messages = (
                [m if isinstance(m, _MAPPING) else _NOTHING for m in raw]
                if isinstance(raw, list)
                else []
            )
        return self._messages

    @property
    def contents(self) -> list[list[Block]]:
        """Each message's content as blocks, by message index."""
        if self._contents is None:
            self._contents = [blocks(m.get("content")) for m in self.messages]
        return self._contents

    @property
    def turns(self) -> list[Turn]:
        if self._turns is None:
            self._turns = self._group_turns()
        return self._turns

    def _group_turns(self) -> list[Turn]:
        turns: list[Turn] = []
        turn_of: dict[int, Turn] = {}  # by message index
        turn = None
        for i, message in enumerate(self.messages):
            role = message.get("role")
            if role not in _TURN_ROLES:
                continue
            if turn is None or turn.role != role:
                turn = Turn(role)
                turns.append(turn)
            turn.messages.append(i)
            turn_of[i] = turn
        for use in self._uses:
            turn_of[use[0]].uses.append(use)
        for result in self._results:
            turn_of[result[0]].results.append(result)
        return turns

    @property
    def thinking_type(self) -> str | None:
        """The thinking mode in effect: the one asked for, else the model's default."""
        kind = self.thinking.get("type")
        if isinstance(kind, str):
            return kind
        if self.model is not None and self.model.always_thinking:
            return "adaptive"
        return None

    @property
    def thinking_on(self) -> bool:
        return self.thinking_type in _THINKING_ON

    @property
    def is_2026(self) -> bool:
        return self.ctx.version == VERSION_2026

    @property
    def tools(self) -> list[tuple[int, Mapping[str, Any]]]:
        """The tool definitions that are objects, with their indices in `tools`."""
        if self._tools is None:
            raw = self.body.get("tools")
            self._tools = (
                [(i, tool) for i, tool in enumerate(raw) if isinstance(tool, _MAPPING)]
                if isinstance(raw, list)
                else []
            )
        return self._tools


def _scan_nested(content: Any, features: set[str]) -> bool:
    """Note the features inside a tool_result's or a document's content list; whether it
    holds an image is the return value."""
    image = False
    if isinstance(content, list):
        for inner in content:
            if isinstance(inner, _MAPPING):
                kind = inner.get("type")
                if kind == "image":
                    image = True
                elif kind == "search_result":
                    features.add(CITATIONS)
                if "cache_control" in inner:
                    features.add(CACHE_CONTROL)
    return image


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _scan_tools(tools: list[Any], features: set[str]) -> None:
    features.add(TOOLS)
    for tool in tools:
        if isinstance(tool, _MAPPING):
            if "cache_control" in tool:
                features.add(CACHE_CONTROL)
            if tool.get("type") not in _UNTYPED:
                features.add(TYPED_TOOLS)


def _any_marked(items: Any) -> bool:
    return isinstance(items, list) and any(
        isinstance(item, _MAPPING) and "cache_control" in item for item in items
    )


def problem(rule: str, message: str, path: str = "", **details: Any) -> Problem:
    return Problem(message, rule=rule, path=path, details=details or None)
