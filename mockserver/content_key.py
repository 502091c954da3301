"""Content keys of prompt segments: what the prompt cache compares prefixes by.

A key identifies a block's content without its `cache_control`, so moving a breakpoint
does not change what a prefix matches; keys ignore the order of object fields. A key is
hashed only when first read: only a prompt with breakpoints (or with cache diagnostics
asked for) needs them, and most prompts have none.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import orjson


class ContentKey:
    """The key of one segment's content, computed on first read of `value`."""

    __slots__ = ("_key", "_make")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._key: str | None = None

    @classmethod
    def of(cls, value: Any) -> ContentKey:
        """The key of a JSON value (a block's, without its cache_control)."""
        return cls(partial(_key, value))

    @classmethod
    def fixed(cls, key: str) -> ContentKey:
        made = cls(str)
        made._key = key
        return made

    @property
    def value(self) -> str:
        if self._key is None:
            self._key = self._make()
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContentKey) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def role_key(role: Any, block: Any) -> ContentKey:
    """The key of a message's first block, which carries the message's role framing."""
    return ContentKey(lambda: _key([role, _key(block)]))


# Only data built in Python (not parsed JSON) can hold what orjson will not encode
# (lone surrogates, odd types); the stdlib encoder keys that.
_FALLBACK = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _key(value: Any) -> str:
    if isinstance(value, Mapping) and "cache_control" in value:
        value = {k: v for k, v in value.items() if k != "cache_control"}
    try:
        # orjson sorts and encodes in C: a long conversation has hundreds of blocks to key.
        raw = orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:
        raw = _FALLBACK.encode(value).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=12).hexdigest()
