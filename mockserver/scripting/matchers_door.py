"""`api: openai` — the matcher for the door a request came through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .conversation import Conversation
from .matchers import Check, Matcher, SpecError, quote

# /v1/messages, and /v1/chat/completions (whose body is converted before matching).
APIS = ("anthropic", "openai")


@dataclass(frozen=True)
class Api(Check):
    """`api: openai` — only requests that came through this door (`anthropic` or `openai`)."""

    key: ClassVar[str] = "api"
    api: str

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        if spec not in APIS:
            raise SpecError(f"expected one of {', '.join(APIS)}")
        return Api(spec)

    def mismatches(self, conv: Conversation) -> list[str]:
        if conv.api == self.api:
            return []
        return [f"the request came through the {quote(conv.api)} API, not {quote(self.api)}"]

    def matches(self, conv: Conversation) -> bool:
        return conv.api == self.api

    def describe(self) -> str:
        return f"the request came through the {quote(self.api)} API"
