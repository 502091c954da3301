"""Violations in one line: the headers of a request answered despite them (strictness
`warn`), and the plural the report's words share."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import Problem

# Under strictness `warn` a request with violations is answered normally; these say so.
VIOLATIONS_HEADER = "x-mockserver-violations"
VIOLATION_HEADER = "x-mockserver-violation"
VIOLATION_RULES_HEADER = "x-mockserver-violation-rules"
_HEADER_CHARS = 300


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def header_text(text: str, limit: int = _HEADER_CHARS) -> str:
    """One ASCII line: whitespace runs become one space, other characters are escaped."""
    flat = " ".join(text.split()).encode("ascii", "backslashreplace").decode("ascii")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def violation_headers(problems: Sequence[Problem]) -> dict[str, str]:
    """The headers of a response answered despite violations (none when there are none):
    their count, the first as ``<rule>: <message>``, and every rule broken."""
    if not problems:
        return {}
    first = problems[0]
    rules = ", ".join(dict.fromkeys(p.rule for p in problems))
    return {
        VIOLATIONS_HEADER: str(len(problems)),
        VIOLATION_HEADER: header_text(f"{first.rule}: {first.message}"),
        VIOLATION_RULES_HEADER: header_text(rules),
    }
