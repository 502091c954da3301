"""A read-only view of one request, in the terms scenarios talk about.

Matchers, placeholders and the default reply all ask the same questions of a request
("what did the user say last?", "which tools are offered?"); they are answered here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .injected_text import said_in

# Server tools that run under another tool's name (the 2025-08-25+ code execution tool
# brings its bash and text-editor sub-tools along).
SUB_TOOLS = {
    "bash_code_execution": "code_execution",
    "text_editor_code_execution": "code_execution",
}


T = TypeVar("T")
# Parsed JSON is dicts and lists: the exact-type checks come first, as they cost a third
# of the ABCs', which still admit any other Mapping or Sequence.
_MAPPING = (dict, Mapping)
_SEQUENCE = (list, Sequence)


class memo(Generic[T]):
    """`functools.cached_property` without its per-access lock (Python 3.11 takes one).

    A view lives within one request on one thread, so there is no race to guard.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        value = self.func(obj)
        # The instance attribute now shadows this (non-data) descriptor.
        obj.__dict__[self.name] = value
        return value


def text_of(content: Any) -> str:
    """The text of a message's content: the string itself, or its text blocks joined."""
    if isinstance(content, str):
        return content
    return "\n".join(text_parts(content))


def text_parts(content: Any) -> list[str]:
    """The texts `text_of` joins: the string itself, or each text block's."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, _SEQUENCE):
        parts = [
            b.get("text", "")
            for b in content
            if isinstance(b, _MAPPING) and b.get("type") == "text"
        ]
        return [p for p in parts if isinstance(p, str)]
    return []


def blocks_of(content: Any) -> list[Mapping[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, _SEQUENCE):
        return [b for b in content if isinstance(b, _MAPPING)]
    return []


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    name: str | None
    is_error: bool
    text: str


# Not frozen: a view is made for every request and never changed, and a frozen
# dataclass's __init__ costs several times more.
@dataclass
class Conversation:
    body: Mapping[str, Any]
    api_key: str = ""
    # Lower-cased header names.
    headers: Mapping[str, str] = field(default_factory=dict)
    # The thinking mode when the request sets none: the model's (`thinks_by_default`).
    default_thinking: str = "disabled"
    # The door the request came through: `anthropic` (/v1/messages) or `openai`
    # (/v1/chat/completions, converted to a Messages request before matching).
    api: str = "anthropic"

    @memo
    def messages(self) -> list[Mapping[str, Any]]:
        raw = self.body.get("messages")
        return [m for m in raw if isinstance(m, _MAPPING)] if isinstance(raw, list) else []

    @property
    def model(self) -> str:
        model = self.body.get("model")
        return model if isinstance(model, str) else ""

    @memo
    def system_text(self) -> str:
        """The top-level system prompt and any `role: system` messages, joined."""
        parts = [text_of(self.body.get("system"))]
        parts += [text_of(m.get("content")) for m in self.messages if m.get("role") == "system"]
        return "\n".join(p for p in parts if p)

    @memo
    def last_user(self) -> Mapping[str, Any] | None:
        # Straight from the body: the final user message is usually the last one, and
        # filtering the whole list first (`messages`) would cost a long conversation.
        raw = self.body.get("messages")
        for message in reversed(raw) if isinstance(raw, list) else ():
            if isinstance(message, _MAPPING) and message.get("role") == "user":
                return message
        return None

    @memo
    def last_user_blocks(self) -> list[Mapping[str, Any]]:
        return blocks_of(self.last_user.get("content")) if self.last_user else []

    @memo
    def last_user_text(self) -> str:
        """The text blocks of the final user message (tool results are not text)."""
        return text_of(self.last_user.get("content")) if self.last_user else ""

    @memo
    def last_user_said(self) -> str:
        """`last_user_text` without the text a client harness injected (`user_said`)."""
        return said_in(text_parts(self.last_user.get("content"))) if self.last_user else ""

    @memo
    def message_texts(self) -> list[str]:
        """Every text in the conversation: user and assistant text, and tool result text."""
        texts: list[str] = []
        for message in self.messages:
            for block in blocks_of(message.get("content")):
                if block.get("type") == "text":
                    texts.append(str(block.get("text", "")))
                elif block.get("type") == "tool_result":
                    texts.append(text_of(block.get("content")))
        return texts

    @memo
    def tools(self) -> list[Mapping[str, Any]]:
        raw = self.body.get("tools")
        return [t for t in raw if isinstance(t, _MAPPING)] if isinstance(raw, list) else []

    @memo
    def tool_names(self) -> list[str]:
        return [str(t["name"]) for t in self.tools if "name" in t]

    @property
    def tool_types(self) -> list[str]:
        return [str(t.get("type") or "custom") for t in self.tools]

    @property
    def custom_tools(self) -> list[Mapping[str, Any]]:
        """Client tools: the ones with an `input_schema` the caller runs itself."""
        return [t for t in self.tools if t.get("type") in (None, "custom") and "name" in t]

    def tool_named(self, name: str) -> Mapping[str, Any] | None:
        return next((t for t in self.tools if t.get("name") == name), None)

    def offers_server_tool(self, name: str) -> bool:
        server = {
            str(t["name"])
            for t in self.tools
            if t.get("type") not in (None, "custom") and "name" in t
        }
        return name in server or SUB_TOOLS.get(name, "") in server

    @property
    def tool_choice(self) -> Mapping[str, Any]:
        """The tool_choice sent, or the API's default `auto`."""
        choice = self.body.get("tool_choice")
        return choice if choice is not None and isinstance(choice, _MAPPING) else {"type": "auto"}

    @memo
    def tool_uses(self) -> list[Mapping[str, Any]]:
        """Every tool_use block the assistant made, oldest first."""
        return [
            b
            for m in self.messages
            if m.get("role") == "assistant"
            for b in blocks_of(m.get("content"))
            if b.get("type") == "tool_use"
        ]

    @memo
    def tool_results(self) -> list[ToolResult]:
        """The final user message's tool_result blocks, with the names of the tools they answer."""
        content = self.last_user.get("content") if self.last_user else None
        # A string is one text block; most turns are.
        if isinstance(content, str) or not any(
            b.get("type") == "tool_result" for b in self.last_user_blocks
        ):
            return []
        results = [b for b in self.last_user_blocks if b.get("type") == "tool_result"]
        names = self._tool_names({str(b.get("tool_use_id", "")) for b in results})
        return [
            ToolResult(
                tool_use_id=str(b.get("tool_use_id", "")),
                name=names.get(str(b.get("tool_use_id", ""))),
                is_error=b.get("is_error") is True,
                text=text_of(b.get("content")),
            )
            for b in results
        ]

    def _tool_names(self, wanted: set[str]) -> dict[str, str]:
        """The names of the tool_use blocks with these ids, searched from the latest turn
        back (results answer the turn just before them; an agent's history is long)."""
        names: dict[str, str] = {}
        for message in reversed(self.messages):
            if message.get("role") != "assistant":
                continue
            for block in blocks_of(message.get("content")):
                if block.get("type") == "tool_use":
                    names.setdefault(str(block.get("id")), str(block.get("name")))
            if wanted <= names.keys():
                break
        return names

    @property
    def thinking_type(self) -> str:
        thinking = self.body.get("thinking")
        kind = (
            thinking.get("type")
            if thinking is not None and isinstance(thinking, _MAPPING)
            else None
        )
        return kind if isinstance(kind, str) else self.default_thinking

    @property
    def thinking_on(self) -> bool:
        return self.thinking_type in ("enabled", "adaptive")

    @property
    def turn(self) -> int:
        """1 for the first request of a conversation, 2 after one reply, and so on."""
        return sum(1 for m in self.messages if m.get("role") == "user")

    @property
    def ends_with_assistant(self) -> bool:
        return bool(self.messages) and self.messages[-1].get("role") == "assistant"
