"""What a request's messages hold for the contract report, and what an agent loop resends.

An agent loop resends its whole history with every call and adds a message or two; reading
every block of it again costs more than all the rest of folding the exchange into the
report. While the report folds a run of exchanges in, it keeps the conversations it read
(`History`); a request whose messages start as one of them does takes what was found in
those messages and reads only the ones after them.

Messages are compared with `==`, which runs in C and stops at the first message that
differs. On JSON data (request bodies as parsed) it tells apart all that is read here
(objects, lists and strings from other values) except numbers (1, 1.0 and true are equal):
the one value read that may be a number is a cache breakpoint's ttl, written into the
feature as it is, so what was found in messages with a ttl other than a string is not taken
for any others. The server's report keeps one History from one fold to the next (it folds a
few exchanges at a time). A body the journal keeps as bytes (every Messages request's) is
parsed afresh for each reader, so what is kept here is not what a test is handed; a batch's
requests, kept parsed, are shared with readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, count
from operator import ne
from typing import Any

_STRING_CONTENT = "text (string content)"
# Up to this many messages a conversation is read afresh (comparing would cost more).
_FEW = 2
# Conversations kept at once: an agent's, its subagents' and side calls' interleave.
_KEPT = 8
# Counts of its first messages a conversation kept knows the content at (see `_Seen`).
_CHECKPOINTS = 8


# What messages hold: roles, block types, and the ttl feature of each cache breakpoint
# (``ttl 5m``, ...; none when there is no breakpoint). A plain tuple: made for every request.
Content = tuple[frozenset[str], frozenset[str], frozenset[str]]
_NONE: frozenset[str] = frozenset()
NO_CONTENT: Content = (_NONE, _NONE, _NONE)


def _ttls(marks: list[dict[str, Any]]) -> tuple[frozenset[str], bool]:
    """The ttl features of these breakpoints, and whether every ttl is a string (or unset)."""
    ttls = [mark.get("ttl", "5m") for mark in marks]
    return frozenset(f"ttl {ttl}" for ttl in ttls), all(isinstance(t, str) for t in ttls)


def scan_marks(parts: list[dict[str, Any]]) -> frozenset[str]:
    """The ttl features of the breakpoints on these blocks (tools, system blocks)."""
    return _ttls([m for part in parts if isinstance(m := part.get("cache_control"), dict)])[0]


def scan(messages: Iterable[Any]) -> tuple[Content, bool]:
    """What these messages hold, and whether any messages equal to them hold the same."""
    roles: set[str] = set()
    kinds: set[str] = set()
    inner: set[str] = set()
    marks: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        if isinstance(role := message.get("role"), str):
            roles.add(role)
        content = message.get("content")
        if isinstance(content, str):
            kinds.add(_STRING_CONTENT)
        elif isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                kind = block.get("type")
                kind = kind if isinstance(kind, str) else "?"
                kinds.add(kind)
                if isinstance(mark := block.get("cache_control"), dict):
                    marks.append(mark)
                # What clients put inside tool results (images, documents) matters to parsers.
                if kind == "tool_result" and isinstance(results := block.get("content"), list):
                    for item in results:
                        if isinstance(item, dict):
                            kind = item.get("type")
                            inner.add(kind if isinstance(kind, str) else "?")
                            if isinstance(mark := item.get("cache_control"), dict):
                                marks.append(mark)
    if inner:
        kinds.update(f"tool_result/{kind}" for kind in inner)
    ttls, exact = _ttls(marks) if marks else (_NONE, True)
    return (frozenset(roles), frozenset(kinds), ttls), exact


def _union(known: Content, more: Content) -> Content:
    return known[0] | more[0], known[1] | more[1], known[2] | more[2]


class _Seen:
    """A conversation read, and what its first messages hold at a few counts of them, in
    order: the counts earlier requests of the conversation ended at, and the one before
    its last message (a client may change its last message, or move a cache breakpoint on
    from one a few messages back, from one call to the next). Only counts whose content
    may be taken for equal messages are kept."""

    __slots__ = ("checkpoints", "messages")

    def __init__(self, messages: list[Any], checkpoints: list[tuple[int, Content]]) -> None:
        self.messages = messages
        self.checkpoints = checkpoints


class History:
    """The conversations read in one run of exchanges, newest first."""

    def __init__(self) -> None:
        self._seen: list[_Seen] = []

    def content(self, messages: Any) -> Content:
        """What a request's `messages` hold."""
        if not isinstance(messages, list):
            return NO_CONTENT
        n = len(messages)
        if n <= _FEW:
            return scan(messages)[0]
        start, known, base = 0, NO_CONTENT, None
        for seen in self._seen:
            m = len(seen.messages)
            if seen.checkpoints[-1][0] <= start:
                continue
            try:
                # How many messages are the same: up to the first that differs.
                same = next(compress(count(), map(ne, seen.messages, messages)), min(m, n))
            except RecursionError:  # nested deeper than `==` goes: taken as different
                continue
            for at, found in reversed(seen.checkpoints):
                if start < at <= same:
                    start, known, base = at, found, seen
                    break
            if start >= n - 1:
                break
        if start == n:
            return known
        checkpoints = [c for c in base.checkpoints if c[0] <= start] if base else []
        most, exact = known, True
        if start < n - 1:
            found, exact = scan(messages[start : n - 1])
            most = _union(known, found)
            if exact:
                checkpoints.append((n - 1, most))
        last, last_exact = scan(messages[n - 1 :])
        whole = _union(most, last)
        if exact and last_exact:
            checkpoints.append((n, whole))
        if checkpoints:
            self._keep(_Seen(messages, checkpoints[-_CHECKPOINTS:]), base)
        return whole

    def _keep(self, seen: _Seen, base: _Seen | None) -> None:
        """Keep a conversation, in place of the one it continues (`base`)."""
        kept = [seen, *(s for s in self._seen if s is not base)]
        self._seen = kept[:_KEPT]
