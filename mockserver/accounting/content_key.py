"""Content keys of prompt segments: what the prompt cache compares prefixes by.

A key identifies a block's content without its `cache_control`, so moving a breakpoint
does not change what a prefix matches; keys ignore the order of object fields. A key is
hashed only when first read: only a prompt with breakpoints (or with cache diagnostics
asked for) needs them, and most prompts have none.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from hashlib import blake2b
from typing import Any

from orjson import OPT_SORT_KEYS, dumps

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)


class ContentKey:
    """The key of one segment's content (a JSON value), computed on first read of `value`.

    Made for every segment of every request, so creating one only stores the content; once
    hashed, it lets the content go (a remembered segment keeps its key, not its block).
    """

    __slots__ = ("_content", "_key")

    def __init__(self, content: Any) -> None:
        self._content = content
        self._key: str | None = None

    @classmethod
    def fixed(cls, key: str) -> ContentKey:
        made = cls(None)
        made._key = key
        return made

    @property
    def value(self) -> str:
        if self._key is None:
            self._key = _key(self._content)
            self._content = None
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContentKey) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


class FramedKey(ContentKey):
    """The key of a message's first block, which carries the message's role framing."""

    __slots__ = ("_role",)

    def __init__(self, role: Any, block: Any) -> None:
        self._content = block
        self._role = role
        self._key = None

    @property
    def value(self) -> str:
        if self._key is None:
            self._key = _key([self._role, _key(self._content)])
            self._content = self._role = None
        return self._key


def prefix_digests(keys: Iterable[str], digest: bytes = b"") -> list[bytes]:
    """The digest of the content up to and including each key value, continuing from `digest`."""
    chain: list[bytes] = []
    for key in keys:
        digest = blake2b(digest + key.encode(), digest_size=16).digest()
        chain.append(digest)
    return chain


# Only data built in Python (not parsed JSON) can hold what orjson will not encode
# (lone surrogates, odd types); the stdlib encoder keys that.
_FALLBACK = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _key(value: Any) -> str:
    if isinstance(value, _MAPPING) and "cache_control" in value:
        value = {k: v for k, v in value.items() if k != "cache_control"}
    try:
        # orjson sorts and encodes in C: a long conversation has hundreds of blocks to key.
        raw = dumps(value, option=OPT_SORT_KEYS, default=str)
    except TypeError:
        raw = _FALLBACK.encode(value).encode("utf-8", "surrogatepass")
    if len(raw) < _LONG:
        return blake2b(raw, digest_size=12).hexdigest()
    return _long_keys.key(raw)


# Long blocks come back: every session of an agent starts with the same reminders, a
# pasted file is sent again. Their keys are remembered by their JSON text, whose hash
# costs a sixth of the digest; shorter ones are digested at once.
_LONG = 4096


class _LongKeys:
    def __init__(self, budget: int) -> None:
        self._known: OrderedDict[bytes, str] = OrderedDict()
        self._budget = budget
        self._held = 0
        # Only a write needs it: a dict read on its own is atomic.
        self._lock = threading.Lock()

    def key(self, raw: bytes) -> str:
        found = self._known.get(raw)
        if found is not None:
            return found
        key = blake2b(raw, digest_size=12).hexdigest()
        # orjson's output keeps all of its buffer: hold a copy of its own length.
        raw = bytes(memoryview(raw))
        with self._lock:
            if raw not in self._known:
                self._known[raw] = key
                self._held += len(raw)
                while self._held > self._budget:
                    self._held -= len(self._known.popitem(last=False)[0])
        return key


_long_keys = _LongKeys(budget=8 << 20)
