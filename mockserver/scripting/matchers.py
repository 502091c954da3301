"""Matchers: small named checks of a request, each able to say why it did not match.

Every key of a scenario's `match:` mapping is one `Matcher` subclass, registered under
that key; the mapping as a whole is an `All`. `mismatches()` returns the reasons in
words (empty: matched) for the near-miss report. Every request asks `matches()` of every
candidate step, and the report ranks the misses by `miss_count()` before wording the
closest: both stop short of words, and must agree with them (`matches(c)` is
`not mismatches(c)`, `miss_count(c)` is `len(mismatches(c))`). The field matchers live
in `matchers_request.py`, `matchers_body.py` and `matchers_door.py`; `match.py` builds
a whole `match:` mapping from them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from .conversation import Conversation

TextMode = Literal["equals", "contains"]


class SpecError(ValueError):
    """A `match:` value that cannot be built; the loader adds file and line."""


class Matcher(ABC):
    key: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[Matcher]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.key:
            Matcher.registry[cls.key] = cls

    @classmethod
    @abstractmethod
    def parse(cls, spec: Any) -> Matcher:
        """Build the matcher from its YAML value (the part after `key:`)."""

    @abstractmethod
    def mismatches(self, conv: Conversation) -> list[str]:
        """Why `conv` does not match, in words; empty when it matches."""

    @abstractmethod
    def describe(self) -> str:
        """What the matcher asks for, e.g. ``last user text contains 'weather'``."""

    def matches(self, conv: Conversation) -> bool:
        """`not mismatches(conv)`; the matchers here answer it without wording reasons."""
        return not self.mismatches(conv)

    def miss_count(self, conv: Conversation) -> int:
        """How many reasons `mismatches` gives (what the near-miss report ranks by)."""
        return len(self.mismatches(conv))


class Check(Matcher):
    """A matcher that gives one reason at most, so counting them needs no words."""

    def miss_count(self, conv: Conversation) -> int:
        return 0 if self.matches(conv) else 1


def quote(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass(frozen=True)
class TextPattern:
    """equals / contains / regex on a piece of text; all that are given must hold."""

    equals: str | None = None
    contains: str | None = None
    regex: re.Pattern[str] | None = None
    ignore_case: bool = False

    @staticmethod
    def parse(spec: Any, bare: TextMode) -> TextPattern:
        """A bare string means `bare` (prose is searched, identifiers are compared)."""
        if isinstance(spec, str):
            return TextPattern(equals=spec) if bare == "equals" else TextPattern(contains=spec)
        if not isinstance(spec, Mapping) or not spec.keys() & {"equals", "contains", "regex"}:
            raise SpecError("expected a string or a mapping with equals, contains or regex")
        flags = re.IGNORECASE if spec.get("ignore_case") else 0
        try:
            regex = re.compile(spec["regex"], flags) if "regex" in spec else None
        except re.error as exc:
            raise SpecError(f"regex {spec['regex']!r} does not compile: {exc}") from None
        return TextPattern(
            spec.get("equals"), spec.get("contains"), regex, bool(spec.get("ignore_case"))
        )

    def _norm(self, text: str) -> str:
        return text.casefold() if self.ignore_case else text

    def holds(self, text: str) -> bool:
        """`problem(label, text) is None`, without wording the problem."""
        if self.ignore_case:
            folded = text.casefold()
            if self.equals is not None and folded != self.equals.casefold():
                return False
            if self.contains is not None and self.contains.casefold() not in folded:
                return False
        else:
            if self.equals is not None and text != self.equals:
                return False
            if self.contains is not None and self.contains not in text:
                return False
        return self.regex is None or self.regex.search(text) is not None

    def problem(self, label: str, text: str) -> str | None:
        """Why `text` fails, worded for `label` (e.g. ``last user text``); None when it holds."""
        if self.equals is not None and self._norm(text) != self._norm(self.equals):
            return f"{label} {quote(text)} is not {quote(self.equals)}"
        if self.contains is not None and self._norm(self.contains) not in self._norm(text):
            return f"{label} {quote(text)} does not contain {quote(self.contains)}"
        if self.regex is not None and not self.regex.search(text):
            return f"{label} {quote(text)} does not match /{self.regex.pattern}/"
        return None

    def describe(self) -> str:
        parts = [f"is {quote(self.equals)}"] if self.equals is not None else []
        parts += [f"contains {quote(self.contains)}"] if self.contains is not None else []
        parts += [f"matches /{self.regex.pattern}/"] if self.regex is not None else []
        return " and ".join(parts)


@dataclass(frozen=True)
class IntRange:
    minimum: int | None = None
    maximum: int | None = None

    @staticmethod
    def parse(spec: Any) -> IntRange:
        if isinstance(spec, int) and not isinstance(spec, bool):
            return IntRange(spec, spec)
        if isinstance(spec, Mapping) and spec.keys() <= {"min", "max"} and spec:
            return IntRange(spec.get("min"), spec.get("max"))
        raise SpecError("expected a whole number or a mapping with min and/or max")

    def holds(self, value: int) -> bool:
        """`problem(label, value) is None` (a single allowed value is both bounds)."""
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum
        )

    def problem(self, label: str, value: int) -> str | None:
        if self.minimum is not None and self.minimum == self.maximum and value != self.minimum:
            return f"{label} is {value}, expected {self.minimum}"
        if self.minimum is not None and value < self.minimum:
            return f"{label} is {value}, expected at least {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"{label} is {value}, expected at most {self.maximum}"
        return None

    def describe(self) -> str:
        if self.minimum is not None and self.minimum == self.maximum:
            return f"= {self.minimum}"
        bounds = [f">= {self.minimum}"] if self.minimum is not None else []
        return " and ".join(
            [*bounds, *([f"<= {self.maximum}"] if self.maximum is not None else [])]
        )
