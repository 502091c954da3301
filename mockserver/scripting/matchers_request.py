"""The field matchers: one class per `match:` key, each about 15 lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from .conversation import Conversation
from .matchers import Check, IntRange, Matcher, SpecError, TextPattern, quote


def _strings(spec: Any, what: str) -> tuple[str, ...]:
    if isinstance(spec, str):
        return (spec,)
    if isinstance(spec, Sequence) and spec and all(isinstance(s, str) for s in spec):
        return tuple(spec)
    raise SpecError(f"expected {what} or a list of them")


def _flag(spec: Any) -> bool:
    if not isinstance(spec, bool):
        raise SpecError("expected true or false")
    return spec


@dataclass(frozen=True)
class Model(Check):
    """`model: claude-sonnet-*` — exact, or a glob; a list means any of them."""

    key: ClassVar[str] = "model"
    globs: tuple[str, ...]

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return Model(_strings(spec, "a model id or glob"))

    def mismatches(self, conv: Conversation) -> list[str]:
        if any(fnmatchcase(conv.model, g) for g in self.globs):
            return []
        return [f"model {quote(conv.model)} does not match {' or '.join(map(quote, self.globs))}"]

    def matches(self, conv: Conversation) -> bool:
        model = conv.model
        return any(fnmatchcase(model, glob) for glob in self.globs)

    def describe(self) -> str:
        return f"model matches {' or '.join(map(quote, self.globs))}"


@dataclass(frozen=True)
class _Text(Check):
    label: ClassVar[str] = ""
    pattern: TextPattern

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return cls(TextPattern.parse(spec, "contains"))

    def text(self, conv: Conversation) -> str:
        raise NotImplementedError

    def mismatches(self, conv: Conversation) -> list[str]:
        problem = self.pattern.problem(self.label, self.text(conv))
        return [problem] if problem else []

    def matches(self, conv: Conversation) -> bool:
        return self.pattern.holds(self.text(conv))

    def describe(self) -> str:
        return f"{self.label} {self.pattern.describe()}"


class System(_Text):
    """`system: translator` — the system prompt (and `role: system` messages)."""

    key = "system"
    label = "system prompt"

    def text(self, conv: Conversation) -> str:
        return conv.system_text


class LastUserText(_Text):
    """`last_user_text: weather` — the text of the final user message."""

    key = "last_user_text"
    label = "last user text"

    def text(self, conv: Conversation) -> str:
        return conv.last_user_text


class AnyMessageText(_Text):
    """`any_message_text: {regex: ...}` — some text anywhere in the conversation."""

    key = "any_message_text"
    label = "message text"

    def mismatches(self, conv: Conversation) -> list[str]:
        if any(self.pattern.problem(self.label, t) is None for t in conv.message_texts):
            return []
        return [f"no message text {self.pattern.describe()}"]

    def matches(self, conv: Conversation) -> bool:
        return any(map(self.pattern.holds, conv.message_texts))


class UserId(_Text):
    """`user_id: alice` — `metadata.user_id`, compared whole unless a mapping says otherwise."""

    key = "user_id"
    label = "metadata.user_id"

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return cls(TextPattern.parse(spec, "equals"))

    def text(self, conv: Conversation) -> str:
        metadata = conv.body.get("metadata")
        user_id = metadata.get("user_id") if isinstance(metadata, Mapping) else None
        return user_id if isinstance(user_id, str) else ""


class ApiKey(UserId):
    """`api_key: sk-team-a` — the key the client authenticated with."""

    key = "api_key"
    label = "API key"

    def text(self, conv: Conversation) -> str:
        return conv.api_key


@dataclass(frozen=True)
class Headers(Matcher):
    """`headers: {x-tenant: acme}` — request headers, values compared whole by default."""

    key: ClassVar[str] = "headers"
    expected: tuple[tuple[str, TextPattern], ...]

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if not isinstance(spec, Mapping) or not spec:
            raise SpecError("expected a mapping of header names to values")
        return Headers(
            tuple((str(k).lower(), TextPattern.parse(v, "equals")) for k, v in spec.items())
        )

    def mismatches(self, conv: Conversation) -> list[str]:
        reasons = []
        for name, pattern in self.expected:
            if name not in conv.headers:
                reasons.append(f"header {name} is missing")
            elif problem := pattern.problem(f"header {name}", conv.headers[name]):
                reasons.append(problem)
        return reasons

    def matches(self, conv: Conversation) -> bool:
        return self.miss_count(conv) == 0

    def miss_count(self, conv: Conversation) -> int:
        headers = conv.headers
        return sum(
            name not in headers or not pattern.holds(headers[name])
            for name, pattern in self.expected
        )

    def describe(self) -> str:
        return " and ".join(f"header {n} {p.describe()}" for n, p in self.expected)


@dataclass(frozen=True)
class Tools(Matcher):
    """`tools: get_weather`, a list of names, or {includes, excludes, types, count}."""

    key: ClassVar[str] = "tools"
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    count: IntRange | None = None

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if not isinstance(spec, Mapping):
            return Tools(includes=_strings(spec, "a tool name"))
        unknown = set(spec) - {"includes", "excludes", "types", "count"}
        if unknown or not spec:
            raise SpecError("expected includes, excludes, types and/or count")
        return Tools(
            includes=_strings(spec["includes"], "a tool name") if "includes" in spec else (),
            excludes=_strings(spec["excludes"], "a tool name") if "excludes" in spec else (),
            types=_strings(spec["types"], "a tool type or glob") if "types" in spec else (),
            count=IntRange.parse(spec["count"]) if "count" in spec else None,
        )

    def mismatches(self, conv: Conversation) -> list[str]:
        names, types = conv.tool_names, conv.tool_types
        offered = f"tools offered [{', '.join(names)}]"
        reasons = [f"{offered} do not include {quote(n)}" for n in self.includes if n not in names]
        reasons += [f"{offered} include {quote(n)}" for n in self.excludes if n in names]
        reasons += [
            f"no tool of type {quote(t)} is offered (types: {', '.join(types) or 'none'})"
            for t in self.types
            if not any(fnmatchcase(have, t) for have in types)
        ]
        if self.count and (problem := self.count.problem("number of tools", len(names))):
            reasons.append(problem)
        return reasons

    def matches(self, conv: Conversation) -> bool:
        names = conv.tool_names
        offered = names.__contains__
        return (
            all(map(offered, self.includes))
            and not any(map(offered, self.excludes))
            and (self.count is None or self.count.holds(len(names)))
            and (not self.types or self._types_offered(conv.tool_types))
        )

    def _types_offered(self, types: list[str]) -> bool:
        return bool(types) and all(any(fnmatchcase(h, t) for h in types) for t in self.types)

    def miss_count(self, conv: Conversation) -> int:
        names = conv.tool_names
        count = sum(1 for n in self.includes if n not in names)
        count += sum(1 for n in self.excludes if n in names)
        if self.types:
            types = conv.tool_types
            count += sum(1 for t in self.types if not any(fnmatchcase(h, t) for h in types))
        return count + (self.count is not None and not self.count.holds(len(names)))

    def describe(self) -> str:
        parts = [f"tool {quote(n)} offered" for n in self.includes]
        parts += [f"tool {quote(n)} not offered" for n in self.excludes]
        parts += [f"a tool of type {quote(t)} offered" for t in self.types]
        parts += [f"number of tools {self.count.describe()}"] if self.count else []
        return " and ".join(parts)


@dataclass(frozen=True)
class ToolChoice(Check):
    """`tool_choice: any`, or {type: tool, name: get_weather}; absent counts as `auto`."""

    key: ClassVar[str] = "tool_choice"
    type: str
    name: str | None = None

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if isinstance(spec, str):
            return ToolChoice(spec)
        if isinstance(spec, Mapping) and isinstance(spec.get("type"), str):
            return ToolChoice(spec["type"], spec.get("name"))
        raise SpecError("expected auto, any, tool or none, or a mapping with type (and name)")

    def mismatches(self, conv: Conversation) -> list[str]:
        have = conv.tool_choice
        if have.get("type") != self.type:
            return [f"tool_choice is {quote(have.get('type'))}, expected {quote(self.type)}"]
        if self.name is not None and have.get("name") != self.name:
            return [f"tool_choice names {quote(have.get('name'))}, expected {quote(self.name)}"]
        return []

    def matches(self, conv: Conversation) -> bool:
        have = conv.tool_choice
        return have.get("type") == self.type and (
            self.name is None or have.get("name") == self.name
        )

    def describe(self) -> str:
        return f"tool_choice is {quote(self.type)}" + (
            f" for {quote(self.name)}" if self.name else ""
        )


@dataclass(frozen=True)
class ToolResultPresent(Check):
    """`tool_result: get_weather` (or true, or {name, id, is_error, content}):
    the final user message carries such a tool_result."""

    key: ClassVar[str] = "tool_result"
    name: str | None = None
    tool_use_id: str | None = None
    is_error: bool | None = None
    content: TextPattern | None = None

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if spec is True:
            return ToolResultPresent()
        if isinstance(spec, str):
            return ToolResultPresent(name=spec)
        if not isinstance(spec, Mapping) or set(spec) - {"name", "id", "is_error", "content"}:
            raise SpecError(
                "expected true, a tool name, or a mapping with name, id, is_error, content"
            )
        content = TextPattern.parse(spec["content"], "contains") if "content" in spec else None
        return ToolResultPresent(spec.get("name"), spec.get("id"), spec.get("is_error"), content)

    def mismatches(self, conv: Conversation) -> list[str]:
        results = conv.tool_results
        if not results:
            return ["the last user message has no tool_result"]
        if self.name is not None:
            results = [r for r in results if r.name == self.name]
            if not results:
                found = ", ".join(sorted({str(r.name) for r in conv.tool_results}))
                return [f"no tool_result for tool {quote(self.name)} (found: {found})"]
        if self.tool_use_id is not None:
            results = [r for r in results if r.tool_use_id == self.tool_use_id]
            if not results:
                return [f"no tool_result for id {quote(self.tool_use_id)}"]
        if self.is_error is not None and not any(r.is_error == self.is_error for r in results):
            return [f"tool_result is_error is {not self.is_error}, expected {self.is_error}"]
        if self.content is not None and all(self.content.problem("", r.text) for r in results):
            problem = self.content.problem("tool_result content", results[0].text)
            return [str(problem)]
        return []

    def matches(self, conv: Conversation) -> bool:
        results = conv.tool_results
        if self.name is not None:
            results = [r for r in results if r.name == self.name]
        if self.tool_use_id is not None:
            results = [r for r in results if r.tool_use_id == self.tool_use_id]
        if not results:
            return False
        if self.is_error is not None and not any(r.is_error == self.is_error for r in results):
            return False
        return self.content is None or any(self.content.holds(r.text) for r in results)

    def describe(self) -> str:
        what = f"a tool_result for {quote(self.name)}" if self.name else "a tool_result"
        extra = [f"id {quote(self.tool_use_id)}"] if self.tool_use_id else []
        extra += [f"is_error {self.is_error}"] if self.is_error is not None else []
        extra += [f"content {self.content.describe()}"] if self.content else []
        return what + (f" ({', '.join(extra)})" if extra else "")


@dataclass(frozen=True)
class Thinking(Check):
    """`thinking: true` (enabled or adaptive), false, or the exact type."""

    key: ClassVar[str] = "thinking"
    expected: bool | str

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if isinstance(spec, bool) or spec in ("enabled", "adaptive", "disabled", "between_tools"):
            return Thinking(spec)
        raise SpecError("expected true, false, enabled, adaptive, disabled or between_tools")

    def mismatches(self, conv: Conversation) -> list[str]:
        kind = conv.thinking_type
        if isinstance(self.expected, bool):
            ok = conv.thinking_on == self.expected
            return (
                [] if ok else [f"thinking is {kind}, expected {'on' if self.expected else 'off'}"]
            )
        return [] if kind == self.expected else [f"thinking is {kind}, expected {self.expected}"]

    def matches(self, conv: Conversation) -> bool:
        if isinstance(self.expected, bool):
            return conv.thinking_on == self.expected
        return conv.thinking_type == self.expected

    def describe(self) -> str:
        if isinstance(self.expected, bool):
            return f"thinking {'on' if self.expected else 'off'}"
        return f"thinking {self.expected}"


@dataclass(frozen=True)
class Stream(Check):
    key: ClassVar[str] = "stream"
    expected: bool

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return Stream(_flag(spec))

    def mismatches(self, conv: Conversation) -> list[str]:
        have = conv.body.get("stream") is True
        return (
            []
            if have == self.expected
            else [f"stream is {str(have).lower()}, expected {str(self.expected).lower()}"]
        )

    def matches(self, conv: Conversation) -> bool:
        return (conv.body.get("stream") is True) == self.expected

    def describe(self) -> str:
        return f"stream is {str(self.expected).lower()}"
