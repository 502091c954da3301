"""Prompt-cache simulation: which part of a prompt is written, read or paid in full.

The rules reproduced (Anthropic prompt-caching docs):
- a breakpoint is a block with ``cache_control`` (or the last block, for the
  top-level automatic ``cache_control``); the prefix runs tools → system → messages;
- a request reads the longest prefix already cached that ends at its breakpoint or
  at one of the 20 blocks before it; entries are written only at breakpoints;
- a breakpoint whose prefix is shorter than the model's minimum cacheable length
  is silently not cached;
- entries live 5 minutes (``ttl: "5m"``, the default) or an hour (``"1h"``) after
  their last write or read, and belong to one organisation (API key) and model;
- tool_choice and thinking settings sit where messages begin, so changing them
  misses the messages part only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat
from operator import attrgetter, contains, is_not, itemgetter, ne
from typing import Any, NamedTuple

from orjson import dumps

from ..clock import Clock
from ..errors import Problem
from .segment import Segment
from .segment_memo import key_values, prefix_chain

TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
LOOKBACK_BLOCKS = 20
MAX_BREAKPOINTS = 4
# Prompt fingerprints kept for `cache_miss_reason`, counted in segments (a row each, about
# 80 bytes): an agent's prompt has a hundred or more, so a count of fingerprints alone let
# a long-running server hold hundreds of MB. The oldest go first.
_FINGERPRINT_ROWS_KEPT = 250_000
# An expired entry is passed over where it is read, and swept out this often: a sweep
# visits every entry, and an agent loop writes one on each call.
_SWEEP_SECONDS = 60.0
# Entries kept per API key and model (~300 bytes each), least recently used out first: a
# breakpoint of its own on every call (an entry each, living 5 minutes or an hour) grew a
# long run by ~0.3 MB per 1,000 calls; a conversation reads one of its last few entries.
_MAX_ENTRIES = 10_000
_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})
_SECTION_ORDER = {"tools": 0, "system": 1, "messages": 2}
_TOKENS = attrgetter("tokens")
_CACHE_CONTROL = attrgetter("cache_control")
_IS_BLOCK = attrgetter("is_block")
_SECTION = attrgetter("section")
_KIND = attrgetter("kind")
_ROW_KEY = itemgetter(2)
_ROW_TOKENS = itemgetter(3)
_MARK_KEY = b'"cache_control"'

# Parsed JSON objects are dicts: the exact-type check comes first, as it costs a third of
# the ABC's, which still admits any other Mapping.
_MAPPING = (dict, Mapping)


class CacheUsage(NamedTuple):
    """How a request's input splits; the three token figures add up to the total input.

    A tuple rather than a frozen dataclass, whose __init__ sets each field through
    object.__setattr__: one is made per request.
    """

    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    ephemeral_5m_input_tokens: int
    ephemeral_1h_input_tokens: int
    # The value for ``diagnostics.cache_miss_reason``; None when not asked for or
    # when the prompt only grew since the previous message.
    miss_reason: dict[str, Any] | None = None


@dataclass
class _Entry:
    expires_at: float
    ttl: float


@dataclass(frozen=True)
class _Fingerprint:
    model: str
    segments: tuple[tuple[str, str, str, int], ...]  # (section, kind, key, tokens)


class PromptCache:
    """Cache entries per (API key, model, speed), expiring on the given `Clock`."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._entries: dict[tuple[str, str], OrderedDict[bytes, _Entry]] = {}
        # Ordered, for an eviction of the oldest in constant time (a dict scans its deleted keys).
        self._fingerprints: OrderedDict[tuple[str, str], _Fingerprint] = OrderedDict()
        self._fingerprint_rows = 0
        self._lock = threading.Lock()
        self._swept_at = clock.now()

    def __len__(self) -> int:
        """Live entries across all keys and models."""
        now = self.clock.now()
        with self._lock:
            return sum(e.expires_at > now for es in self._entries.values() for e in es.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._fingerprints.clear()
            self._fingerprint_rows = 0

    def account(
        self,
        api_key: str,
        model_id: str,
        segments: Sequence[Segment],
        min_cacheable: int,
        *,
        write: bool,
        speed: str | None = None,
        diagnostics: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> CacheUsage:
        """Split the input of one request into uncached, written and read tokens.

        ``write=False`` (count_tokens) leaves the cache untouched. `diagnostics` is the
        request's ``diagnostics`` object; with it, the request's fingerprint is kept
        under `message_id` for the next request's ``previous_message_id``.
        """
        cache_controls = list(map(_CACHE_CONTROL, segments))
        if diagnostics is None and cache_controls.count(None) == len(cache_controls):
            # No breakpoint and nothing to compare: the common request takes no lock.
            return CacheUsage(sum(map(_TOKENS, segments)), 0, 0, 0, 0)
        cumulative = list(accumulate(map(_TOKENS, segments)))
        total = cumulative[-1] if cumulative else 0
        # Found in C (itertools): a long conversation has hundreds of unmarked segments.
        marked = compress(count(), map(is_not, cache_controls, repeat(None)))
        marks = [i for i in marked if cumulative[i] >= min_cacheable]
        if not marks and diagnostics is None:
            # Nothing to read, write or compare: the whole prompt is paid in full.
            return CacheUsage(total, 0, 0, 0, 0)
        model = f"{model_id}|{speed or 'standard'}"
        now = self.clock.now()
        # Prefixes ending after the last breakpoint are never looked up.
        chain = prefix_chain(segments, marks[-1] + 1) if marks else []
        with self._lock:
            if now - self._swept_at >= _SWEEP_SECONDS:
                self._sweep(now)
            entries = self._entries.setdefault((api_key, model), OrderedDict())
            read_at = _longest_hit(segments, marks, chain, entries, now)
            read = cumulative[read_at] if read_at is not None else 0
            created = {"5m": 0, "1h": 0}
            boundary = read
            for i in marks:
                ttl = _ttl(segments[i])
                if cumulative[i] > boundary:
                    created[ttl] += cumulative[i] - boundary
                    boundary = cumulative[i]
                if write:
                    entry = entries.get(chain[i])
                    expires = now + TTL_SECONDS[ttl]
                    if entry is None or entry.expires_at <= now:
                        entries[chain[i]] = _Entry(expires, TTL_SECONDS[ttl])
                    else:
                        entry.expires_at = max(entry.expires_at, expires)
                        entry.ttl = max(entry.ttl, TTL_SECONDS[ttl])
                    entries.move_to_end(chain[i])
            if write and read_at is not None:
                hit = entries[chain[read_at]]
                hit.expires_at = max(hit.expires_at, now + hit.ttl)
                entries.move_to_end(chain[read_at])
            while len(entries) > _MAX_ENTRIES:
                entries.popitem(last=False)
            miss = None
            if diagnostics is not None:
                # Zipped in C: a long conversation has hundreds of segments.
                rows = zip(
                    map(_SECTION, segments),
                    map(_KIND, segments),
                    key_values(segments),
                    map(_TOKENS, segments),
                    strict=True,
                )
                fingerprint = _Fingerprint(model, tuple(rows))
                miss = self._diagnose(api_key, diagnostics, fingerprint)
                if write and message_id:
                    self._remember(api_key, message_id, fingerprint)
        creation = created["5m"] + created["1h"]
        return CacheUsage(
            total - read - creation, creation, read, created["5m"], created["1h"], miss
        )

    def _sweep(self, now: float) -> None:
        for entries in self._entries.values():
            for key in [k for k, e in entries.items() if e.expires_at <= now]:
                del entries[key]
        self._swept_at = now

    def _diagnose(
        self, api_key: str, diagnostics: Mapping[str, Any] | None, current: _Fingerprint
    ) -> dict[str, Any] | None:
        previous_id = diagnostics.get("previous_message_id") if diagnostics else None
        if not isinstance(previous_id, str):
            return None
        previous = self._fingerprints.get((api_key, previous_id))
        if previous is None:
            return {"type": "previous_message_not_found"}
        return _compare(previous, current)

    def _remember(self, api_key: str, message_id: str, fingerprint: _Fingerprint) -> None:
        fingerprints = self._fingerprints
        self._fingerprint_rows += len(fingerprint.segments)
        while fingerprints and self._fingerprint_rows > _FINGERPRINT_ROWS_KEPT:
            oldest = fingerprints.popitem(last=False)[1]
            self._fingerprint_rows -= len(oldest.segments)
        fingerprints[(api_key, message_id)] = fingerprint


def _longest_hit(
    segments: Sequence[Segment],
    marks: list[int],
    chain: list[bytes],
    entries: Mapping[bytes, _Entry],
    now: float,
) -> int | None:
    blocks = list(compress(range(len(segments)), map(_IS_BLOCK, segments)))
    best: int | None = None
    for mark in marks:
        position = blocks.index(mark)
        window = blocks[max(0, position - LOOKBACK_BLOCKS) : position + 1][::-1]
        # From the breakpoint back, only the blocks whose prefix has an entry (found in C).
        held = compress(window, map(contains, repeat(entries), map(chain.__getitem__, window)))
        for i in held:
            if best is not None and i <= best:
                break
            if entries[chain[i]].expires_at > now:
                best = i
                break
    return best


def _ttl(segment: Segment) -> str:
    ttl = segment.cache_control.get("ttl") if segment.cache_control else None
    return ttl if ttl in TTL_SECONDS else "5m"


def _compare(previous: _Fingerprint, current: _Fingerprint) -> dict[str, Any] | None:
    """The first divergence from the previous request, if the prompt did more than grow."""
    if previous.model != current.model:
        return _changed("model_changed", previous.segments[:-1])
    # The previous request's reply primer is where the next turn's messages go.
    earlier, rows = previous.segments[:-1], current.segments
    # The first segment whose key differs, or the end of the shorter prompt (found in C).
    differs = map(ne, map(_ROW_KEY, earlier), map(_ROW_KEY, rows))
    i = next(compress(count(), differs), min(len(earlier), len(rows)))
    if i == len(earlier):
        return None  # the prompt only grew
    section, kind = earlier[i][0], earlier[i][1]
    other = rows[i][0] if i < len(rows) else section
    first = min(section, other, key=_SECTION_ORDER.__getitem__)
    if kind == "settings":
        # Same model, tools and system but other thinking/tool_choice settings:
        # the API says it cannot tell.
        return {"type": "unavailable"}
    return _changed(f"{first}_changed", earlier[i:])


def _changed(kind: str, missed: Sequence[tuple[str, str, str, int]]) -> dict[str, Any]:
    return {"type": kind, "cache_missed_input_tokens": sum(map(_ROW_TOKENS, missed))}


def cache_problems(body: Mapping[str, Any]) -> list[Problem]:
    """Breakpoint rules the API enforces: at most 4, none on empty text, 1h before 5m."""
    marks = _breakpoints(body)
    problems = [
        Problem("cache_control cannot be set for empty text blocks", "caching", path)
        for path, _, block in marks
        if block.get("type") == "text" and block.get("text") == ""
    ][:1]
    automatic = body.get("cache_control")
    if isinstance(automatic, _MAPPING) and not _last_block_marked(body):
        marks.append(("", automatic, {}))
    if len(marks) > MAX_BREAKPOINTS:
        problems.append(
            Problem(
                f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
                f"Found {len(marks)}.",
                "caching",
            )
        )
    seen_short = False
    for path, cc, _ in marks:
        ttl = cc.get("ttl", "5m")
        if ttl == "1h" and seen_short:
            field = f"{path}.cache_control.ttl" if path else "cache_control.ttl"
            problems.append(
                Problem(
                    f"{field}: a ttl='1h' cache_control block must not come after a "
                    "ttl='5m' cache_control block. Note that blocks are processed in the "
                    "following order: `tools`, `system`, `messages`.",
                    "caching",
                    field,
                )
            )
            break
        seen_short = seen_short or ttl == "5m"
    return problems


def _breakpoints(
    body: Mapping[str, Any],
) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(path, cache_control, block) for every marked block, in processing order."""
    found: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = []
    for name in ("tools", "system"):
        items = body.get(name)
        if not isinstance(items, list) or _plain_dicts(items):
            continue
        for i, block in enumerate(items):
            # Most blocks carry no mark and hold none: only the others are looked into.
            if isinstance(block, _MAPPING) and ("cache_control" in block or "content" in block):
                _marks(block, f"{name}.{i}", found)
    messages = body.get("messages")
    if not isinstance(messages, list):
        return found
    for m in _may_hold_marks(messages):
        message = messages[m]
        content = message.get("content") if isinstance(message, _MAPPING) else None
        # String content is one unmarked text block.
        for b, block in enumerate(content if isinstance(content, list) else ()):
            if isinstance(block, _MAPPING) and ("cache_control" in block or "content" in block):
                _marks(block, f"messages.{m}.content.{b}", found)
    return found


def _plain_dicts(items: list[Any]) -> bool:
    """Whether every item is a dict with neither a mark nor content (checked in C)."""
    return (
        all(map(isinstance, items, repeat(dict)))
        and not any(map(contains, items, repeat("cache_control")))
        and not any(map(contains, items, repeat("content")))
    )


def _may_hold_marks(items: list[Any]) -> Iterable[int]:
    """Indices of the items whose JSON has a `"cache_control"` (a key, or a whole string).

    Whatever has a cache_control key shows it so in its JSON (a quote inside a string is
    escaped), and a history rarely holds more than a mark or two: the other items are
    passed over by a search in C, not walked block by block.
    """
    try:
        texts = list(map(dumps, items))
    except TypeError:  # not plain JSON data: every item is walked
        return range(len(items))
    return compress(count(), map(contains, texts, repeat(_MARK_KEY)))


def _marks(
    block: Mapping[str, Any],
    path: str,
    found: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> None:
    cc = block.get("cache_control")
    if cc is not None and isinstance(cc, _MAPPING):
        found.append((path, cc, block))
    nested = block.get("content")
    if block.get("type") == "tool_result" and isinstance(nested, list):
        for k, item in enumerate(nested):
            # Most items carry no mark: the ABC check is kept for those that do.
            cc = item.get("cache_control") if isinstance(item, _MAPPING) else None
            if cc is not None and isinstance(cc, _MAPPING):
                found.append((f"{path}.content.{k}", cc, item))


def _blocks_from_the_end(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The prompt's blocks, last first (messages, then system and tools)."""
    messages = body.get("messages")
    for message in reversed(messages) if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, _MAPPING) else None
        if isinstance(content, str):
            yield {"type": "text", "text": content}
        elif isinstance(content, list):
            yield from (b for b in reversed(content) if isinstance(b, _MAPPING))
    for name in ("system", "tools"):
        items = body.get(name)
        if isinstance(items, list):
            yield from (b for b in reversed(items) if isinstance(b, _MAPPING))


def _last_block_marked(body: Mapping[str, Any]) -> bool:
    for block in _blocks_from_the_end(body):
        if block.get("type") not in _UNMARKABLE:
            return isinstance(block.get("cache_control"), Mapping)
    return False
