"""The request as the semantic rules read it: tolerant views over a schema-checked body.

Every accessor copes with odd input (wrong types, missing fields) by seeing less, so a
rule never raises; the schema stage has already reported what is malformed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from .catalog import ModelSpec
from .context import VERSION_2026, RequestContext
from .errors import Problem
from .signatures import Signer

Kind = Literal["messages", "count_tokens"]
Block = Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """One content block and where the client put it."""

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
        return [b if isinstance(b, Mapping) else {} for b in content]
    return []


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass
class RuleRequest:
    kind: Kind
    body: Mapping[str, Any]
    ctx: RequestContext
    model: ModelSpec | None
    signer: Signer

    @cached_property
    def messages(self) -> list[Mapping[str, Any]]:
        """The `messages` array with request indices kept (odd entries become `{}`)."""
        raw = self.body.get("messages")
        return [mapping(m) for m in raw] if isinstance(raw, list) else []

    @cached_property
    def turns(self) -> list[Turn]:
        turns: list[Turn] = []
        for i, message in enumerate(self.messages):
            role = message.get("role")
            if role not in ("user", "assistant"):
                continue
            if not turns or turns[-1].role != role:
                turns.append(Turn(str(role)))
            turn = turns[-1]
            turn.messages.append(i)
            content = blocks(message.get("content"))
            turn.entries.extend(Entry(i, j, b) for j, b in enumerate(content))
        return turns

    @cached_property
    def last_index(self) -> int | None:
        """Index of the last user or assistant message (trailing system messages skipped)."""
        return self.turns[-1].messages[-1] if self.turns else None

    @property
    def ends_with_assistant(self) -> bool:
        return bool(self.turns) and self.turns[-1].role == "assistant"

    @cached_property
    def thinking(self) -> Mapping[str, Any]:
        return mapping(self.body.get("thinking"))

    @cached_property
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
        return self.thinking_type in ("enabled", "adaptive", "between_tools")

    @property
    def is_2026(self) -> bool:
        return self.ctx.version == VERSION_2026

    def tools(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        raw = self.body.get("tools")
        if isinstance(raw, list):
            for i, tool in enumerate(raw):
                if isinstance(tool, Mapping):
                    yield i, tool


def problem(rule: str, message: str, path: str = "", **details: Any) -> Problem:
    return Problem(message, rule=rule, path=path, details=details or None)
