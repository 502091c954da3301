"""Matchers on the shape of the request body: counts, limits, attachments, sub-objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .conversation import Conversation
from .matchers import Check, IntRange, Matcher, SpecError, quote

# Parsed JSON and YAML are dicts: checked first, as a plain type costs a third of the ABC.
_MAPPING = (dict, Mapping)


def subset_problems(expected: Any, actual: Any, path: str) -> list[str]:
    """Where `actual` differs from `expected`, which names only the keys it cares about."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path} is {quote(_show(actual))}, expected an object"]
        problems: list[str] = []
        for key, want in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key} is missing, expected {quote(_show(want))}")
            else:
                problems += subset_problems(want, actual[key], f"{path}.{key}")
        return problems
    if expected != actual:
        return [f"{path} is {quote(_show(actual))}, expected {quote(_show(expected))}"]
    return []


def subset_holds(expected: Any, actual: Any) -> bool:
    """`not subset_problems(expected, actual, path)`, without wording the problems."""
    if isinstance(expected, _MAPPING):
        if not isinstance(actual, _MAPPING):
            return False
        for key, want in expected.items():
            if key not in actual or not subset_holds(want, actual[key]):
                return False
        return True
    return bool(expected == actual)


def subset_miss_count(expected: Any, actual: Any) -> int:
    """`len(subset_problems(expected, actual, path))`."""
    if isinstance(expected, _MAPPING):
        if not isinstance(actual, _MAPPING):
            return 1
        return sum(
            subset_miss_count(want, actual[key]) if key in actual else 1
            for key, want in expected.items()
        )
    return 1 if expected != actual else 0


def _show(value: Any) -> str:
    return (
        "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


@dataclass(frozen=True)
class Subset(Matcher):
    """`body: {service_tier: auto}` — these keys of the request body have these values."""

    key: ClassVar[str] = "body"
    field: ClassVar[str | None] = None
    expected: Mapping[str, Any]

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if not isinstance(spec, Mapping) or not spec:
            raise SpecError("expected a mapping of keys to the values they must have")
        return cls(dict(spec))

    def actual(self, conv: Conversation) -> Any:
        return conv.body.get(self.field) if self.field else conv.body

    def mismatches(self, conv: Conversation) -> list[str]:
        return subset_problems(self.expected, self.actual(conv) or {}, self.field or "body")

    def matches(self, conv: Conversation) -> bool:
        return subset_holds(self.expected, self.actual(conv) or {})

    def miss_count(self, conv: Conversation) -> int:
        return subset_miss_count(self.expected, self.actual(conv) or {})

    def describe(self) -> str:
        return f"{self.field or 'body'} has {dict(self.expected)}"


class OutputConfig(Subset):
    """`output_config: {effort: low}` or `{format: {type: json_schema}}`.

    The legacy top-level `output_format` counts as `output_config.format`.
    """

    key = "output_config"
    field = "output_config"

    def actual(self, conv: Conversation) -> Any:
        config = conv.body.get("output_config")
        merged = dict(config) if isinstance(config, Mapping) else {}
        if "format" not in merged and isinstance(conv.body.get("output_format"), Mapping):
            merged["format"] = conv.body["output_format"]
        return merged


@dataclass(frozen=True)
class Turn(Check):
    """`turn: 2` or {min, max}: 1 for the opening request, +1 per user message."""

    key: ClassVar[str] = "turn"
    label: ClassVar[str] = "turn"
    range: IntRange

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return cls(IntRange.parse(spec))

    def value(self, conv: Conversation) -> int:
        return conv.turn

    def mismatches(self, conv: Conversation) -> list[str]:
        problem = self.range.problem(self.label, self.value(conv))
        return [problem] if problem else []

    def matches(self, conv: Conversation) -> bool:
        return self.range.holds(self.value(conv))

    def describe(self) -> str:
        return f"{self.label} {self.range.describe()}"


class MaxTokens(Turn):
    """`max_tokens: {max: 50}` — e.g. to answer a tight budget with a truncated reply."""

    key = "max_tokens"
    label = "max_tokens"

    def value(self, conv: Conversation) -> int:
        value = conv.body.get("max_tokens")
        return value if isinstance(value, int) else 0


@dataclass(frozen=True)
class StopSequences(Matcher):
    """`stop_sequences: "###"` (or a list) — the request sets these stop sequences."""

    key: ClassVar[str] = "stop_sequences"
    expected: tuple[str, ...]

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if isinstance(spec, str):
            return StopSequences((spec,))
        if isinstance(spec, Sequence) and spec and all(isinstance(s, str) for s in spec):
            return StopSequences(tuple(spec))
        raise SpecError("expected a stop sequence or a list of them")

    def mismatches(self, conv: Conversation) -> list[str]:
        have = conv.body.get("stop_sequences")
        sent = [s for s in have if isinstance(s, str)] if isinstance(have, list) else []
        return [
            f"stop_sequences {sent} do not include {quote(s)}"
            for s in self.expected
            if s not in sent
        ]

    def matches(self, conv: Conversation) -> bool:
        return self.miss_count(conv) == 0

    def miss_count(self, conv: Conversation) -> int:
        have = conv.body.get("stop_sequences")
        sent = [s for s in have if isinstance(s, str)] if isinstance(have, list) else []
        return sum(1 for s in self.expected if s not in sent)

    def describe(self) -> str:
        return f"stop_sequences include {', '.join(map(quote, self.expected))}"


@dataclass(frozen=True)
class Image(Check):
    """`image: true`, or the source type (`base64`, `url`, `file`): the final user
    message carries such an image."""

    key: ClassVar[str] = "image"
    block: ClassVar[str] = "image"
    source: str | None = None

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if spec is True:
            return cls()
        if spec in ("base64", "url", "file", "text", "content"):
            return cls(str(spec))
        raise SpecError("expected true or a source type (base64, url, file)")

    def mismatches(self, conv: Conversation) -> list[str]:
        found = [b for b in conv.last_user_blocks if b.get("type") == self.block]
        sources = [str(s.get("type")) for b in found if isinstance(s := b.get("source"), Mapping)]
        if not found:
            return [f"the last user message has no {self.block}"]
        if self.source is not None and self.source not in sources:
            return [f"the {self.block} source is {', '.join(sources)}, expected {self.source}"]
        return []

    def matches(self, conv: Conversation) -> bool:
        found = [b for b in conv.last_user_blocks if b.get("type") == self.block]
        if not found or self.source is None:
            return bool(found)
        return any(
            isinstance(s := b.get("source"), Mapping) and str(s.get("type")) == self.source
            for b in found
        )

    def describe(self) -> str:
        return f"an {self.block}" + (f" from a {self.source} source" if self.source else "")


class Document(Image):
    """`document: true` or a source type: the final user message carries a document."""

    key = "document"
    block = "document"
