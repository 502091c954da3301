"""A short string that a regular expression (a JSON Schema `pattern`) matches."""

from __future__ import annotations

import importlib
import re
from typing import Any

# The stdlib's own regex parser; the public `sre_parse` alias warns on import.
_parser: Any = importlib.import_module("re._parser")

_CATEGORY = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}
_CANDIDATES = "a0A_- x.@"


def _char_class(items: list[tuple[Any, Any]]) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    allowed: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            allowed.append(chr(arg))
        elif name == "RANGE":
            allowed.append(chr(arg[0]))
        elif name == "CATEGORY":
            allowed.append(_CATEGORY.get(str(arg), "a"))
    if not negate:
        return allowed[0] if allowed else "a"
    pattern = re.compile("[^" + "".join(re.escape(c) for c in allowed) + "]") if allowed else None
    return next((c for c in _CANDIDATES if pattern is None or pattern.match(c)), "~")


def _emit(tokens: Any) -> str:
    out = []
    for op, arg in tokens:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("b" if chr(arg) == "a" else "a")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_char_class(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, body = arg
            out.append(_emit(body) * low)
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1]))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg))
        elif name == "BRANCH":
            out.append(_emit(arg[1][0]))
        elif name == "CATEGORY":
            out.append(_CATEGORY.get(str(arg), "a"))
        # AT (anchors), ASSERT, ASSERT_NOT and GROUPREF add no characters of their own.
    return "".join(out)


def sample_pattern(pattern: str) -> str | None:
    """A string `re.search(pattern, s)` accepts, or None when none could be made."""
    try:
        candidate = _emit(_parser.parse(pattern))
        return candidate if re.search(pattern, candidate) else None
    except (re.error, RecursionError, ValueError, TypeError, IndexError):
        return None
