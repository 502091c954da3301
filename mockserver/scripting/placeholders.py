"""`{{ name }}` in scripted replies, filled from the request. Values only, no code.

Names: `model`, `last_user_text`, `turn`, `tool_result` (the text of the last
tool_result), `tool_input.<field>` (a field of the latest tool_use's input, dotted for
nested fields and list indexes), and `"a literal"` for text that must contain `{{`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .conversation import Conversation

# A quoted literal may itself hold braces: {{ "{{x}}" }}.
PLACEHOLDER = re.compile(r'\{\{\s*("[^"]*"|[^{}]*?)\s*\}\}')
NAMES = ("model", "last_user_text", "turn", "tool_result", "tool_input.<field>")
_TOOL_INPUT = re.compile(r"tool_input(\.[A-Za-z0-9_-]+)+")
_LITERAL = re.compile(r'"(.*)"')


class PlaceholderError(ValueError):
    pass


def unknown_names(text: str) -> list[str]:
    """The placeholders in `text` that are not one of NAMES (checked when a file loads)."""
    return [
        name
        for name in PLACEHOLDER.findall(text)
        if name not in NAMES[:4]
        and not _TOOL_INPUT.fullmatch(name)
        and not _LITERAL.fullmatch(name)
    ]


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, Sequence):
        return [s for v in value for s in strings_in(v)]
    return []


def _lookup(conv: Conversation, name: str) -> Any:
    if literal := _LITERAL.fullmatch(name):
        return literal.group(1)
    if name == "model":
        return conv.model
    if name == "last_user_text":
        return conv.last_user_text
    if name == "turn":
        return conv.turn
    if name == "tool_result":
        if not conv.tool_results:
            raise PlaceholderError("{{ tool_result }} needs a tool_result in the last user message")
        return conv.tool_results[-1].text
    if _TOOL_INPUT.fullmatch(name):
        return _tool_input(conv, name.split(".")[1:])
    raise PlaceholderError(f"unknown placeholder {{{{ {name} }}}} (known: {', '.join(NAMES)})")


def _tool_input(conv: Conversation, path: list[str]) -> Any:
    if not conv.tool_uses:
        raise PlaceholderError("{{ tool_input... }} needs a tool_use earlier in the conversation")
    value: Any = conv.tool_uses[-1].get("input")
    for part in path:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            dotted = ".".join(path)
            raise PlaceholderError(f"the latest tool_use input has no field {dotted!r}")
    return value


def _render(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def fill(value: Any, conv: Conversation) -> Any:
    """`value` with every placeholder in its strings replaced, however deeply nested."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: _render(_lookup(conv, m.group(1))), value)
    if isinstance(value, Mapping):
        return {k: fill(v, conv) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, conv) for v in value]
    return value
