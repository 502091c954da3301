"""The journal as the admin API sends it: JSON any client can read back.

A request body may nest as deep as the parser allows (1,024 levels), deeper than Python's
`json` (and so many clients) can encode or decode on its stack. Such a body (or response)
is left out of its exchange's JSON, with a note saying why; the exchange itself stays,
and the Python API (`server.journal`) still holds the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

from .journal import Exchange

# Deeper than this is left out: well within the recursion limit of a reader's stack
# (a test runner's own frames included). orjson encodes up to 254 levels itself.
MAX_SHOWN_DEPTH = 500
_PARTS = ("body", "response")


def exchanges_json(items: Iterable[Exchange]) -> bytes:
    parts = [_exchange_bytes(e.to_json()) for e in items]
    return b'{"count":%d,"exchanges":[%b]}' % (len(parts), b",".join(parts))


def _exchange_bytes(data: dict[str, Any]) -> bytes:
    try:
        # Nearly every exchange: orjson, in C.
        return orjson.dumps(data)
    except TypeError:  # deeper than orjson goes, or a lone surrogate in Python-built data
        pass
    for part in _PARTS:
        if too_deep(data[part], MAX_SHOWN_DEPTH):
            data[part] = None
            data[f"{part}_omitted"] = f"nested deeper than {MAX_SHOWN_DEPTH} levels"
    return json.dumps(data, separators=(",", ":")).encode()


def too_deep(value: Any, limit: int) -> bool:
    """Whether `value` holds lists or dicts nested more than `limit` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack += [(child, depth + 1) for child in children]
    return False
