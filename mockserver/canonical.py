"""The canonical form of request parts that thinking signatures are bound to.

Fields that do not change what the model saw are left out (`cache_control`, `citations`,
`caller`, null values), equivalent spellings are made one (a tool_result's string content
and its one text block, `is_error: false` and its absence, 2.0 and 2), and keys are sorted.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import orjson

_IGNORED_KEYS = frozenset({"cache_control", "citations", "caller"})


class _DigestMemo:
    """sha256 of values' canonical JSON, remembered by a cheap key of their raw JSON.

    A conversation resends its system prompt, tools and history on every turn, and
    canonicalising them in Python costs milliseconds on agent-sized requests; orjson's
    sorted encoding (in C) of the same value keys the memo. A pure function's cache:
    bounded, and a miss only costs the canonical form.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._known: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, value: Any) -> bytes:
        try:
            raw = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # not plain JSON data: no key, compute directly
            return hashlib.sha256(canonical_bytes(value)).digest()
        key = hashlib.blake2b(raw, digest_size=16).digest()
        with self._lock:
            found = self._known.get(key)
        if found is None:
            found = hashlib.sha256(canonical_bytes(value)).digest()
            with self._lock:
                if len(self._known) >= self._size:
                    self._known.pop(next(iter(self._known)))
                self._known[key] = found
        return found


canonical_digest = _DigestMemo(size=16_384)


def canonical_bytes(value: Any) -> bytes:
    canonical = canonical_form(value)
    try:
        return orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:  # lone surrogates: only data built in Python, not parsed JSON, has them
        text = json.dumps(
            canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
        return text.encode("utf-8", "surrogatepass")


def canonical_form(value: Any) -> Any:
    # Bodies come from orjson.loads: plain dicts and lists (checked as such for speed).
    if isinstance(value, dict):
        out = {
            str(k): canonical_form(v)
            for k, v in value.items()
            if v is not None and k not in _IGNORED_KEYS
        }
        if out.get("type") == "tool_result":
            if out.get("is_error") is False:
                del out["is_error"]
            content = out.get("content")
            if isinstance(content, str):
                out["content"] = [{"type": "text", "text": content}] if content else []
        return out
    if isinstance(value, list):
        return [canonical_form(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
