"""The canonical form of request parts that thinking signatures are bound to.

Fields that do not change what the model saw are left out (`cache_control`, `citations`,
`caller`, null values), equivalent spellings are made one (a tool_result's string content
and its one text block, `is_error: false` and its absence, 2.0 and 2), and keys are sorted.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson

_IGNORED_KEYS = frozenset({"cache_control", "citations", "caller"})
# A memo's key text longer than _WHOLE is looked up by its first and last _END bytes.
_WHOLE = 512
_END = 128
_ABSENT: tuple[None, Any] = (None, None)

T = TypeVar("T")


class RawJsonMemo(Generic[T]):
    """A pure function of JSON data, remembered by the data's JSON text.

    A conversation resends its system prompt, tools and history on every turn, and
    working them over in Python costs milliseconds on agent-sized requests; encoding the
    same data with orjson (in C) finds the earlier result. An entry is found by the text,
    or a long one by its ends, and then compared whole, so a hit is exact; at most
    `budget` bytes of text are held (oldest out first).
    The function must see its argument as JSON does (a tuple as a list, an enum as its
    value), which data parsed from a request body always allows.
    """

    def __init__(self, compute: Callable[[Any], T], budget: int) -> None:
        self._compute = compute
        self._budget = budget
        self._held = 0
        # By the text, or for a long one by its ends: each entry holds the whole text.
        # Ordered, for an eviction of the oldest in constant time (a dict scans its deleted keys).
        self._known: OrderedDict[bytes, tuple[bytes, T]] = OrderedDict()
        # Only a write needs it: a dict read on its own is atomic.
        self._lock = threading.Lock()

    def __call__(self, value: Any) -> T:
        try:
            raw = orjson.dumps(value)
        except TypeError:  # not plain JSON data: no key, compute directly
            return self._compute(value)
        key = lookup_key(raw)
        text, found = self._known.get(key, _ABSENT)
        if text == raw:
            return found
        result = self._compute(value)
        self._remember(key, raw, result)
        return result

    def _remember(self, key: bytes, raw: bytes, result: T) -> None:
        text = compact(raw)
        if key is raw:
            key = text
        with self._lock:
            known = self._known
            # Another text with the same ends gives way: the newer one stays.
            replaced = known.pop(key, None)
            if replaced is not None:
                self._held -= _size(replaced[0])
            known[key] = (text, result)
            self._held += _size(text)
            while self._held > self._budget:
                self._held -= _size(known.popitem(last=False)[1][0])


def lookup_key(raw: bytes) -> bytes:
    """What a memo finds a JSON text by: the text, or a long one's first and last bytes.

    Hashing a long text (a 70 KB tools list) costs ten times comparing it, so a memo keyed
    so holds the whole text beside its entry and compares it on a hit.
    """
    return raw if len(raw) <= _WHOLE else raw[:_END] + raw[-_END:]


def _size(text: bytes) -> int:
    """What an entry holds: its text, and for a long one the key of its ends."""
    return len(text) if len(text) <= _WHOLE else len(text) + 2 * _END


def compact(raw: bytes) -> bytes:
    """`raw` in a buffer of its own length, to be held for long.

    orjson's output keeps the buffer it was written into, 4 KB or more whatever its
    length: a memo of short keys would hold many times what it counts.
    """
    return bytes(memoryview(raw))


def _sha256_of_canonical(value: Any) -> bytes:
    return hashlib.sha256(canonical_bytes(value)).digest()


canonical_digest = RawJsonMemo(_sha256_of_canonical, budget=16 << 20)


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
    # Most values are strings, which stay as they are: not worth a call each.
    if isinstance(value, dict):
        out = {
            str(k): v if type(v) is str else canonical_form(v)
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
        return [v if type(v) is str else canonical_form(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
