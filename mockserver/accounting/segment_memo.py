"""Segments of the prompt parts a client sent before, remembered by their exact JSON.

An agent loop resends its tools, system prompt and history on every call and adds a
message or two; pricing and keying all of it again is most of what a large request costs.
The memo is a trie: a node is one part of a prompt (the head: tools, system and settings;
then each message in turn) keyed by its parent node and its own JSON text, so a node is
reached only by prompts equal up to and including that part. What depends on the part's
position (segment paths) or on everything before it (the prefix digests the prompt cache
looks entries up by) is then as exact as what depends on the part alone. About `budget`
bytes are held (JSON text and segments), oldest out first; a node whose parent went out is
no longer reached and goes out in turn. A long part is found by its text's ends and then
compared whole (`lookup_key`): hashing the 100 KB a request sends costs more than that.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any, Protocol

import orjson

from ..signing.canonical import compact, lookup_key
from .content_key import prefix_digests
from .segment import Segment

# Data parsed from a request body encodes one way only. Subclasses, dataclasses and dates
# (which could encode like plain JSON yet be priced otherwise) raise instead: not remembered.
_dumps = partial(
    orjson.dumps,
    option=orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME,
)
_KEY = attrgetter("content_key.value")
_SEGMENTS = attrgetter("segments")
_KEYS = attrgetter("keys")
_DIGESTS = attrgetter("digests")

_HeadKey = tuple[Any, Any, Any, Any]
_SEGMENT_BYTES = 1024


class Pricer(Protocol):
    """What prices the parts of a prompt (tokens.py's counter)."""

    def head(self, tools: Any, choice: Any, system: Any, thinking: Any) -> list[Segment]: ...

    def add_message(self, segments: list[Segment], m: int, message: Any) -> None: ...


class _Node:
    """One part of a prompt: its JSON text, its segments, their keys, the prefix digest after
    each of them and the index of the message that follows it.

    All are computed when the node is made, so nothing in it depends on request data that
    could change later.
    """

    __slots__ = ("digests", "keys", "last", "next_message", "raw", "segments")

    def __init__(
        self, raw: bytes, segments: list[Segment], before: bytes, next_message: int
    ) -> None:
        # orjson's output keeps all of its buffer (4 KB for a short message): hold a copy.
        self.raw = compact(raw)
        self.segments = tuple(segments)
        self.keys = tuple(map(_KEY, segments))
        self.digests = prefix_digests(self.keys, before)
        self.last = self.digests[-1] if self.digests else before
        self.next_message = next_message


# A node's key: its parent (None for the head) and its JSON text's `lookup_key`.
_Key = tuple[_Node | None, bytes]


class Prompt(list["Segment"]):
    """A request's segments, with the memo nodes they came from (all but the last few)."""

    __slots__ = ("nodes",)
    nodes: list[_Node]

    def key_values(self) -> list[str]:
        keys = list(chain.from_iterable(map(_KEYS, self.nodes)))
        keys += map(_KEY, self[len(keys) :])
        return keys

    def prefix_digests(self, end: int) -> list[bytes]:
        digests = list(chain.from_iterable(map(_DIGESTS, self.nodes)))
        if len(digests) < end:
            rest = map(_KEY, self[len(digests) : end])
            digests += prefix_digests(rest, self.nodes[-1].last)
        return digests


def key_values(segments: Sequence[Segment]) -> list[str]:
    """Every segment's content key (content_key.py)."""
    if isinstance(segments, Prompt):
        return segments.key_values()
    return list(map(_KEY, segments))


def prefix_chain(segments: Sequence[Segment], end: int) -> list[bytes]:
    """The digest of the prompt up to and including each of its first `end` segments (or more)."""
    if isinstance(segments, Prompt):
        return segments.prefix_digests(end)
    return prefix_digests(map(_KEY, segments[:end]))


class SegmentMemo:
    """The trie of prompt parts seen, for one tokenizer."""

    def __init__(self, budget: int) -> None:
        # Ordered, for an eviction of the oldest in constant time (a dict scans its deleted keys).
        self._known: OrderedDict[_Key, _Node] = OrderedDict()
        self._budget = budget
        self._held = 0
        # Only a write needs it: a dict read on its own is atomic.
        self._lock = threading.Lock()

    def prompt(self, head: _HeadKey, messages: list[Any], pricer: Pricer) -> list[Segment]:
        """The segments of the head and the messages, remembered or priced now."""
        try:
            raw = _dumps(head)
            raws = list(map(_dumps, messages))
        except TypeError:  # not plain JSON data: priced afresh, not remembered
            priced = pricer.head(*head)
            for m, message in enumerate(messages):
                pricer.add_message(priced, m, message)
            return priced
        known = self._known
        head_node = known.get((None, lookup_key(raw)))
        if head_node is None or head_node.raw != raw:
            head_node = self._add(None, raw, pricer.head(*head), b"", 0)

        def step(parent: _Node, raw: bytes) -> _Node:
            node = known.get((parent, lookup_key(raw)))
            if node is None or node.raw != raw:
                m = parent.next_message
                segments: list[Segment] = []
                pricer.add_message(segments, m, messages[m])
                node = self._add(parent, raw, segments, parent.last, m + 1)
            return node

        # The walk down the trie runs in C, a step per message.
        nodes = list(accumulate(raws, step, initial=head_node))
        prompt = Prompt(chain.from_iterable(map(_SEGMENTS, nodes)))
        prompt.nodes = nodes
        return prompt

    def _add(
        self,
        parent: _Node | None,
        raw: bytes,
        segments: list[Segment],
        before: bytes,
        next_message: int,
    ) -> _Node:
        node = _Node(raw, segments, before, next_message)
        # A short text is its own key: held once.
        key = (parent, lookup_key(node.raw))
        with self._lock:
            known = self._known
            held = known.get(key)
            if held is None or held.raw != node.raw:
                # Another text with the same ends gives way: the newer one stays.
                if held is not None:
                    self._held -= _size(key, known.pop(key))
                known[key] = node
                self._held += _size(key, node)
                while self._held > self._budget:
                    self._held -= _size(*known.popitem(last=False))
        return node


def _size(key: _Key, node: _Node) -> int:
    """Roughly what a node holds: its JSON text (and its ends when long), and per segment
    ~1 KB of objects (measured)."""
    extra = len(key[1]) if key[1] is not node.raw else 0
    return len(node.raw) + extra + _SEGMENT_BYTES * len(node.segments)
