"""What the scan found in a conversation's first messages, kept for its next request.

An agent loop resends its whole history with every call and adds a message or two, so
what the scan finds in the history (`rules_scan`: features, the messages holding some,
the last turn's message) and the turns it makes (`rules_turns`) are the same in every
call. A request with more than a few messages is compared with the last conversations
seen, message by message; where one starts the same way, what was found in those
messages is taken as it stands (their indices included: they sit at the same places)
and only the messages after them are scanned.

The comparison is `==` on the messages, which runs in C and stops at the first message
that differs: far cheaper than scanning them in Python, and than encoding them to compare
their JSON text, whose cost grows with every byte of a long tool output. On JSON data it
tells apart all that a scan reads (strings, lists and objects apart from other values);
the numbers it takes as equal (1, 1.0, true) a scan never looks at.

Each conversation kept holds private copies of its messages (the request's own are the
caller's to change), with what was found in all of them and in all but the last: a client
may change its last message from one call to the next (a new tool output, a cache
breakpoint moved on). Up to 16 conversations are kept, whose copies marshal to 16 MB at most.
"""

from __future__ import annotations

import marshal
import threading
from itertools import compress, count
from operator import ne
from typing import Any, NamedTuple

from .rules_scan import BY_MESSAGE, holding, scan_message
from .rules_turns import NO_TURNS, TurnState, grow

# Up to this many messages a conversation is scanned afresh: it is mostly new, and
# comparing and copying it would cost more than it saves.
FEW = 2


class Known(NamedTuple):
    """What the scan found in a conversation's first messages."""

    features: frozenset[str]
    # The messages holding each feature of `BY_MESSAGE` found, in order (read only).
    holding: dict[str, tuple[int, ...]]
    last: int | None  # the last user or assistant message
    role: str | None  # its role
    turns: TurnState


NOTHING_KNOWN = Known(frozenset(), {}, None, None, NO_TURNS)


class _Seen:
    """A conversation seen (compared by identity, as list.remove does)."""

    __slots__ = ("messages", "most", "size", "whole")

    def __init__(self, messages: list[Any], whole: Known, most: Known, size: int) -> None:
        self.messages = messages  # private copies, read only
        self.whole = whole  # what was found in all of them
        self.most = most  # and in all but the last
        self.size = size  # the copies' marshalled size, counted against the budget


class _Kept:
    """The conversations kept, newest first, up to a count and a budget of sizes.

    `seen` is replaced whole under the lock: a reader iterates the tuple it read."""

    def __init__(self, count: int, budget: int) -> None:
        self.seen: tuple[_Seen, ...] = ()
        self._count = count
        self._budget = budget
        self._held = 0
        self._lock = threading.Lock()

    def keep(self, seen: _Seen, base: _Seen | None) -> None:
        """Keep a conversation, in place of the one it continues (`base`)."""
        with self._lock:
            kept = [seen, *self.seen]
            self._held += seen.size
            if base is not None and base in kept:
                kept.remove(base)
                self._held -= base.size
            while len(kept) > self._count or (len(kept) > 1 and self._held > self._budget):
                self._held -= kept.pop().size
            self.seen = tuple(kept)


# The copies hold about twice their marshalled size (many small strings and objects).
_kept = _Kept(count=16, budget=16 << 20)


def recall(raw: list[Any]) -> Known:
    """What the scan finds in these messages, from the conversations seen where they
    start the same way; this conversation is kept for the next request."""
    n = len(raw)
    start, known, base = 0, NOTHING_KNOWN, None
    for seen in _kept.seen:
        m = len(seen.messages)
        if m <= start:
            continue
        try:
            # How many messages are the same: up to the first that differs.
            same = next(compress(count(), map(ne, seen.messages, raw)), min(m, n))
        except RecursionError:  # nested deeper than `==` goes: taken as different
            continue
        if same == m:
            start, known, base = m, seen.whole, seen
        elif same == m - 1 > start:
            start, known, base = same, seen.most, seen
        if start >= n - 1:
            break
    if start == n:
        return known
    most = known if start == n - 1 else _extend(known, raw[start : n - 1], start)
    whole = _extend(most, raw[n - 1 :], n - 1)
    try:
        added = marshal.dumps(raw[start:])
    except ValueError:  # not plain data (built in Python): not kept
        return whole
    prefix = base.messages[:start] if base is not None else []
    size = len(added) + (base.size if base is not None else 0)
    _kept.keep(_Seen(prefix + marshal.loads(added), whole, most, size), base)
    return whole


def _extend(known: Known, raw: list[Any], start: int) -> Known:
    """`known` (of the messages before `start`) with these messages, from `start` on."""
    scans = list(map(scan_message, raw))
    features = set(known.features)
    last, role = known.last, known.role
    for i, scan in enumerate(scans, start):
        if scan.features:
            features |= scan.features
        if scan.role is not None:
            last, role = i, scan.role
    held = known.holding
    for feature in features & BY_MESSAGE:
        more = holding(feature, scans, start)
        if more:
            held = {**held, feature: held.get(feature, ()) + more}
    return Known(frozenset(features), held, last, role, grow(known.turns, scans, start))
