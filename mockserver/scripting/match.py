"""A `match:` mapping → one Matcher: the combinators (`all`, `any`, `not`) and the lookup
of each key among the registered matchers, every field matcher module loaded first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

# Imported for their registration: each field matcher class registers under its key.
from . import matchers_body, matchers_door, matchers_request  # noqa: F401
from .conversation import Conversation
from .matchers import Check, Matcher, SpecError


@dataclass(frozen=True)
class All(Matcher):
    """Every part must match (a `match:` mapping, or `all: [...]`)."""

    key: ClassVar[str] = "all"
    parts: tuple[Matcher, ...] = ()

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if not isinstance(spec, Sequence) or isinstance(spec, str):
            raise SpecError("`all` takes a list of match mappings")
        return All(tuple(build(s) for s in spec))

    def mismatches(self, conv: Conversation) -> list[str]:
        return [reason for part in self.parts for reason in part.mismatches(conv)]

    def matches(self, conv: Conversation) -> bool:
        return all(part.matches(conv) for part in self.parts)

    def miss_count(self, conv: Conversation) -> int:
        return sum(part.miss_count(conv) for part in self.parts)

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.parts) or "anything"


@dataclass(frozen=True)
class AnyOf(Check):
    key: ClassVar[str] = "any"
    parts: tuple[Matcher, ...] = ()

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if not isinstance(spec, Sequence) or isinstance(spec, str) or not spec:
            raise SpecError("`any` takes a non-empty list of match mappings")
        return AnyOf(tuple(build(s) for s in spec))

    def mismatches(self, conv: Conversation) -> list[str]:
        failures = []
        for part in self.parts:
            reasons = part.mismatches(conv)
            if not reasons:
                return []
            failures.append("; ".join(reasons))
        return ["none of the alternatives matched: (" + ") or (".join(failures) + ")"]

    def matches(self, conv: Conversation) -> bool:
        return any(part.matches(conv) for part in self.parts)

    def describe(self) -> str:
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Not(Check):
    key: ClassVar[str] = "not"
    inner: Matcher

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return Not(build(spec))

    def mismatches(self, conv: Conversation) -> list[str]:
        return (
            []
            if self.inner.mismatches(conv)
            else [f"it should not be that {self.inner.describe()}"]
        )

    def matches(self, conv: Conversation) -> bool:
        return not self.inner.matches(conv)

    def describe(self) -> str:
        return f"not ({self.inner.describe()})"


def build(spec: Any) -> Matcher:
    """A `match:` mapping (YAML or Python dict) → one matcher; unknown keys are errors."""
    if isinstance(spec, Matcher):
        return spec
    if spec is None:
        return All()
    if not isinstance(spec, Mapping):
        raise SpecError("a match must be a mapping of matcher names to values")
    parts = []
    for key, value in spec.items():
        cls = Matcher.registry.get(str(key))
        if cls is None:
            known = ", ".join(sorted(Matcher.registry))
            raise SpecError(f"unknown matcher {key!r} (known: {known})")
        try:
            parts.append(cls.parse(value))
        except SpecError as exc:
            raise SpecError(f"{key}: {exc}") from None
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def match(spec: Mapping[str, Any] | None = None, /, **keys: Any) -> Matcher:
    """The Python front door: ``match(last_user_text="weather", tools="get_weather")``.

    Takes the same keys as YAML; `not`, which is a Python keyword, can be given in the
    positional mapping (``match({"not": {"stream": True}})``).
    """
    return build({**(spec or {}), **keys})
