"""What never reaches a written recording: credentials, and whatever the rules name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[REDACTED]"
# Request headers that carry credentials: never written, whatever the rules say.
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})
# Shorter values are not searched for in the text (a one-letter test key would blank out
# every "k" of a transcript).
_MIN_SECRET_CHARS = 8


@dataclass(frozen=True)
class Redaction:
    """Rules for what is removed before a recording is written.

    `headers`: more header names (lower case) whose values are secret: their values are
    also blanked wherever they appear in the written text; `fields`: dotted paths removed
    from request bodies and replies (`metadata.user_id`, `content.*.input.password`; `*`
    is every item of a list or mapping); `patterns`: regular expressions whose matches
    become ``[REDACTED]`` in every written string.
    """

    headers: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", frozenset(h.lower() for h in self.headers))
        object.__setattr__(self, "_compiled", tuple(re.compile(p) for p in self.patterns))

    def secrets(self, headers: Mapping[str, str]) -> list[str]:
        """The secret values of these request headers (the key, the bearer token)."""
        found: list[str] = []
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS | self.headers:
                found += [value.strip(), value.partition(" ")[2].strip()]
        return sorted({s for s in found if len(s) >= _MIN_SECRET_CHARS}, key=len, reverse=True)

    def body(self, data: Any) -> Any:
        """A copy of `data` without the rules' fields."""
        for path in self.fields:
            data = _drop(data, path.split("."))
        return data

    def text(self, value: Any, secrets: Iterable[str]) -> Any:
        """`value` with every secret and pattern match in its strings blanked (deeply)."""
        secrets = list(secrets)
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, REDACTED)
            for pattern in self._compiled:
                value = pattern.sub(REDACTED, value)
            return value
        if isinstance(value, Mapping):
            return {k: self.text(v, secrets) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.text(v, secrets) for v in value]
        return value


def _drop(data: Any, path: list[str]) -> Any:
    if not path:
        return data
    head, rest = path[0], path[1:]
    if isinstance(data, Mapping):
        keys = list(data) if head == "*" else [head]
        out = dict(data)
        for key in keys:
            if key in out:
                if rest:
                    out[key] = _drop(out[key], rest)
                else:
                    del out[key]
        return out
    if isinstance(data, list) and head == "*":
        return [_drop(item, rest) for item in data] if rest else []
    return data
