"""The request as the semantic rules read it: tolerant views over a schema-checked body.

Every accessor copes with odd input (wrong types, missing fields) by seeing less, so a
rule never raises; the schema stage has already reported what is malformed.

Making the request notes which `features` (names in `rules_scan`) the request holds:
the kinds of content some rule looks for, and the few things (an empty message, a blank
text block, ...) that the rules every request must pass would object to. Most requests
hold none, and a rule that cannot fire is not run; the views the rules walk (`messages`,
`turns`, `messages_with`) are built only when one of them asks. What each message holds is
kept from one request of a conversation to the next (`rules_history`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat
from types import MappingProxyType
from typing import Any, Literal

from ..catalog import ModelSpec
from ..config import SignaturePolicy
from ..errors import Problem
from ..signing.signer import Signer
from .context import VERSION_2026, RequestContext
from .rules_history import FEW, recall
from .rules_scan import (
    BY_MESSAGE,
    CACHE_CONTROL,
    CONTEXT_MANAGEMENT,
    MAX_TOKENS,
    NO_MESSAGES,
    OUTPUT_CONFIG,
    PREFILL,
    REPEATED_TOOL_NAMES,
    SAMPLING,
    TEMPERATURE,
    THINKING,
    TOOL_CHOICE,
    TOP_K,
    TOP_P,
    TYPED_TOOLS,
    holding,
    scan_message,
)
from .rules_turns import NO_TURNS, Turn, TurnState, grow

Kind = Literal["messages", "count_tokens"]
Block = Mapping[str, Any]
# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)
# What an absent or odd object reads as (shared: the rules only read it).
_NOTHING: Mapping[str, Any] = MappingProxyType({})

_SAMPLING = frozenset({TEMPERATURE, TOP_K, TOP_P})
_SETTINGS = _SAMPLING | {TOOL_CHOICE, CONTEXT_MANAGEMENT, OUTPUT_CONFIG}
THINKING_ON = frozenset({"enabled", "adaptive", "between_tools"})
_UNTYPED = frozenset({None, "custom"})


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
    _turn_state: TurnState | None = None
    _tools: list[tuple[int, Mapping[str, Any]]] | None = None
    # What the request holds, where it differs from these (the request sets only that).
    thinking: Mapping[str, Any] = _NOTHING  # the `thinking` object
    ends_with_assistant = False
    # The messages holding each feature of `BY_MESSAGE`, where known (`messages_with`).
    _holding: Mapping[str, Sequence[int]] | None = None
    # Index of the last user or assistant message (trailing system messages skipped).
    last_index: int | None = None

    def __init__(
        self,
        kind: Kind,
        body: Mapping[str, Any],
        ctx: RequestContext,
        model: ModelSpec | None,
        signer: Signer,
        *,
        signatures: SignaturePolicy = "lenient",
    ) -> None:
        self.kind = kind
        self.body = body
        self.ctx = ctx
        self.model = model
        self.signer = signer
        self.signatures = signatures
        # What is recorded without refusing the request (unverifiable signatures).
        self.notes: list[Problem] = []
        features = body.keys() & _SETTINGS
        if features and not _SAMPLING.isdisjoint(features):
            features.add(SAMPLING)
        if self._scan(body.get("messages"), features) == "assistant":
            self.ends_with_assistant = True
            features.add(PREFILL)
        thinking = body.get("thinking")
        if thinking is not None and isinstance(thinking, _MAPPING):
            self.thinking = thinking
            if thinking:
                features.add(THINKING)
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
        if len(raw) > FEW:
            known = recall(raw)
            features |= known.features
            self._holding = known.holding
            self.last_index = known.last
            self._turn_state = known.turns
            return known.role
        if not raw:
            features.add(NO_MESSAGES)
            return None
        last, role = None, None
        for i, message in enumerate(raw):
            scan = scan_message(message)
            if scan.features:
                features |= scan.features
            if scan.role is not None:
                last, role = i, scan.role
        self.last_index = last
        return role

    def messages_with(self, feature: str) -> Sequence[int]:
        """The indices of the messages holding one of the `BY_MESSAGE` features."""
        if self._holding is None:
            # A conversation of a few messages: scanned again, as this is seldom asked.
            raw = self.body.get("messages")
            scans = list(map(scan_message, raw if isinstance(raw, list) else ()))
            self._holding = {f: holding(f, scans, 0) for f in self.features & BY_MESSAGE}
        return self._holding.get(feature, ())

    @property
    def messages(self) -> list[Mapping[str, Any]]:
        """The `messages` array with request indices kept (odd entries read as empty)."""
        if self._messages is None:
            raw = self.body.get("messages")
            if not isinstance(raw, list):
                self._messages = []
            elif all(map(isinstance, raw, repeat(_MAPPING))):
                self._messages = list(raw)
            else:
                self._messages = [m if isinstance(m, _MAPPING) else _NOTHING for m in raw]
        return self._messages

    @property
    def turn_state(self) -> TurnState:
        """The turns, with the pairs of them that may break the tool-pairing rules."""
        if self._turn_state is None:
            # A conversation of a few messages: scanned again, as the turns are seldom read.
            raw = self.body.get("messages")
            scans = map(scan_message, raw if isinstance(raw, list) else ())
            self._turn_state = grow(NO_TURNS, scans, 0)
        return self._turn_state

    @property
    def turns(self) -> tuple[Turn, ...]:
        return self.turn_state.turns

    @property
    def thinking_type(self) -> str | None:
        """The thinking mode in effect: the one asked for, else the model's default."""
        kind = self.thinking.get("type")
        if isinstance(kind, str):
            return kind
        if self.model is not None and self.model.thinks_by_default:
            return "adaptive"
        return None

    @property
    def thinking_on(self) -> bool:
        return self.thinking_type in THINKING_ON

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


def _scan_tools(tools: list[Any], features: set[str]) -> None:
    """Note the tool definitions' features, in C-level passes over them (an agent request
    sends dozens)."""
    if not all(map(isinstance, tools, repeat(dict))):
        tools = [dict(tool) for tool in tools if isinstance(tool, _MAPPING)]
    if any(map(dict.__contains__, tools, repeat("cache_control"))):
        features.add(CACHE_CONTROL)
    try:
        typed = not _UNTYPED.issuperset(map(dict.get, tools, repeat("type")))
    except TypeError:  # an unhashable `type`, which is neither
        typed = True
    if typed:
        features.add(TYPED_TOOLS)
    names = list(map(dict.get, tools, repeat("name")))
    if not all(map(isinstance, names, repeat(str))):
        names = [name for name in names if isinstance(name, str)]  # toolsets have none
    if len(set(names)) < len(names):
        features.add(REPEATED_TOOL_NAMES)


def _any_marked(items: Any) -> bool:
    return isinstance(items, list) and any(
        isinstance(item, _MAPPING) and "cache_control" in item for item in items
    )


def problem(rule: str, message: str, path: str = "", **details: Any) -> Problem:
    return Problem(message, rule=rule, path=path, details=details or None)
