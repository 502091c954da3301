"""The contract report: what a client sent over a whole session, and what it got wrong.

Built from journal exchanges. `ReportCollector` accumulates it as the server journals
(the per-test reset leaves it alone); `build_report(exchanges)` makes one from any list.

JSON shape (`ContractReport.to_json()`, ``report_version`` 1)::

    {"report_version": 1,
     "summary": "12 requests, 3 violations (2 rules)",
     "requests": {"total": 12, "endpoints": {"POST /v1/messages": 11, ...},
                  "statuses": {"200": 9, "400": 3}},
     "features": {"<category>": {"<value>": <requests that used it>, ...}, ...},
     "violations": {"total": 3, "requests": 2, "expected": 1,
                    "rules": [{"rule", "count", "rejected", "warned", "expected",
                               "example": {"request_id", "method", "path", "status",
                                           "outcome", "message", "field", "excerpt"}}]},
     "notices": {"total": 2, "rules": [<as violations' rules>]}}

Every category of `features.CATEGORIES` is present. `rule` is a semantic rule's
name, ``schema``, or for a request refused before its body was checked (headers, JSON,
unknown model) the error type it got. `count` leaves out `expected` ones (requests a test
declared it meant to be rejected); `outcome` is ``rejected`` or ``warned`` (strictness warn).
`notices` lists what requests were answered despite, by rule: ``unverifiable_signature``
(a thinking token this server did not mint, shaped like the real API's).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .features import CATEGORIES, PART_FEATURES, Signature, signature
from .history import History
from .journal import Exchange, Journal
from .summary import ContractReport, RuleSummary, ViolationRecord

# Distinct values kept per counter; the rest are counted under OTHER (odd paths, agents).
_MAX_KEYS = 100
OTHER = "(other)"
_EXCERPT_CHARS = 300
_MESSAGE_CHARS = 1000
# Distinct keys held before they are counted into the counters. Few: each keeps objects
# alive, and many live objects set the garbage collector off more often (exchanges all
# different cost 23 us each to fold in with 1,000 held, 12 us with 100).
_PENDING = 100
# Files are counted by route, not by id: every upload would otherwise add an endpoint.
_FILE_PATH = "/v1/files/"


def _file_route(path: str) -> str:
    """`/v1/files/file_01…/content` → `/v1/files/{file_id}/content`."""
    _, _, rest = path[len(_FILE_PATH) :].partition("/")
    return _FILE_PATH + "{file_id}" + ("/" + rest if rest else "")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bump(counter: Counter[str], key: str, times: int) -> None:
    counter[key if key in counter or len(counter) < _MAX_KEYS else OTHER] += times


def excerpt(body: Any, field: str) -> str:
    """The JSON of the part of `body` a problem's dotted path names (or of its nearest
    existing parent), trimmed; '' when the path names nothing inside the body."""
    node, found = body, False
    for part in field.removeprefix("$.").split(".") if field else ():
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            break
        found = True
    if not found:
        return ""
    try:
        text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        # A body nested nearly as deep as the parser allows; the report must still build.
        return "(nested too deep to show)"
    return _cut(text, _EXCERPT_CHARS)


def violations_of(exchange: Exchange, *, notices: bool = False) -> list[ViolationRecord]:
    """The exchange's problems; a refusal without one (headers, JSON, model) counts once.
    With `notices`: what it was answered despite (unverifiable signatures) instead."""

    def record(rule: str, message: str, field: str = "") -> ViolationRecord:
        return ViolationRecord(
            rule,
            _cut(message, _MESSAGE_CHARS),
            exchange.request_id,
            exchange.method,
            exchange.path,
            exchange.status,
            field,
            excerpt(exchange.body, field),
        )

    if notices:
        return [record(p.rule, p.message, p.path) for p in exchange.notices]
    if exchange.problems:
        return [record(p.rule, p.message, p.path) for p in exchange.problems]
    if exchange.rejected:
        error = exchange.error or {}
        rule = str(error.get("type") or f"http_{exchange.status}")
        return [record(rule, str(error.get("message", "")))]
    return []


# A request's first violation of a rule, and how many violations of that rule it had. The
# report keeps these, not every violation: a body of 1,000 empty messages breaks the schema
# 2,000 times, and a long-running server would otherwise hold each of them for good. Kept
# per request (not per rule) because a request may be declared expected later.
Tally = tuple[ViolationRecord, int]


def tallied(records: list[ViolationRecord]) -> list[Tally]:
    """One exchange's violations, by rule in the order each rule first appears."""
    firsts: dict[str, ViolationRecord] = {}
    counts: Counter[str] = Counter()
    for record in records:
        firsts.setdefault(record.rule, record)
        counts[record.rule] += 1
    return [(record, counts[rule]) for rule, record in firsts.items()]


def _summarise(tallies: list[Tally], expected_ids: set[str]) -> tuple[RuleSummary, ...]:
    by_rule: dict[str, list[Tally]] = {}
    for tally in tallies:
        by_rule.setdefault(tally[0].rule, []).append(tally)
    summaries = []
    for rule, found in by_rule.items():
        real = [t for t in found if t[0].request_id not in expected_ids]
        count = sum(n for _, n in real)
        summaries.append(
            RuleSummary(
                rule,
                count=count,
                rejected=sum(n for r, n in real if r.outcome == "rejected"),
                warned=sum(n for r, n in real if r.outcome == "warned"),
                expected=sum(n for _, n in found) - count,
                example=(real or found)[0][0],
            )
        )
    return tuple(sorted(summaries, key=lambda s: (-s.count, -s.expected, s.rule)))


# What the report counts an exchange by: method, path, status and feature signature.
_Key = tuple[str, str, int, Signature]


class ReportCollector:
    """Accumulates the report from the journal; safe to read from any thread.

    Exchanges are folded in by `catch_up`: by the server a few at a time once each response
    has been written (so no request waits for a batch of them), and for whatever is left
    when the journal is about to be cleared and when a report is read.

    Most exchanges are like many others, so each is counted by its key (`_Key`), and a
    key's values go into the counters when a report is read (or too many keys are held),
    once per key, in the order the keys were first seen. The counters end as counting each
    exchange would leave them (values, counts, order): a value first came with the first
    exchange of some key, and whether it has a place of its own or is counted under OTHER
    was settled then, by the values that came before it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self, position: int = 0) -> None:
        """Start over; `position`: how many journal entries there are already (not counted)."""
        with self._lock:
            self._position = position
            self._requests = 0
            self._pending: Counter[_Key] = Counter()
            self._endpoints: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._features: dict[str, Counter[str]] = {c: Counter() for c in CATEGORIES}
            self._records: list[Tally] = []
            self._notices: list[Tally] = []
            self._expected_ids: set[str] = set()
            self._history = History()

    def observe(self, exchange: Exchange) -> None:
        self.observe_all((exchange,))

    def observe_all(self, exchanges: Iterable[Exchange], history: History | None = None) -> None:
        """Fold these exchanges in, in order (an agent loop's history is read once a run, or
        once over the runs given the same `history`)."""
        history = History() if history is None else history
        # Counted as they come: only the first exchange of a key keeps its signature alive.
        keys: Counter[_Key] = Counter()
        records: list[Tally] = []
        for exchange in exchanges:
            path = exchange.path
            if path.startswith(_FILE_PATH):
                path = _file_route(path)
            key = (exchange.method, path, exchange.status, signature(exchange, history))
            keys[key] += 1
            if exchange.problems or exchange.status >= 400:
                records += tallied(violations_of(exchange))
            if exchange.notices:
                self._note(tallied(violations_of(exchange, notices=True)))
            if len(keys) >= _PENDING:
                self._add(keys, records)
                keys, records = Counter(), []
        self._add(keys, records)

    def _note(self, notices: list[Tally]) -> None:
        with self._lock:
            self._notices.extend(notices)

    def _add(self, keys: Counter[_Key], records: list[Tally]) -> None:
        with self._lock:
            self._requests += keys.total()
            self._pending.update(keys)
            self._records.extend(records)
            if len(self._pending) >= _PENDING:
                self._count_pending()

    def _count_pending(self) -> None:
        """Count the keys held into the counters (call with the lock held)."""
        # A signature's parts recur in other signatures (a client's headers, a reply): each
        # part's values are worked out once here, sorted as an exchange's are counted.
        known: tuple[dict[Any, list[tuple[Counter[str], list[str]]]], ...] = ({}, {}, {})
        for (method, path, status, sig), times in self._pending.items():
            _bump(self._endpoints, f"{method} {path}", times)
            _bump(self._statuses, str(status), times)
            for part, seen, read in zip(sig or (), known, PART_FEATURES, strict=False):
                if part is None:
                    continue
                if (values := seen.get(part)) is None:
                    found = read(part).items()
                    values = seen[part] = [(self._features[c], sorted(v)) for c, v in found if v]
                for counter, sorted_values in values:
                    for value in sorted_values:
                        _bump(counter, value, times)
        self._pending.clear()

    def catch_up(self, journal: Journal, limit: int | None = None) -> None:
        """Fold in the exchanges the journal recorded since the last catch-up (at most
        `limit` of them)."""
        with self._lock:
            start = self._position
        new = journal.since(start, limit)
        # The server folds its journal in a few exchanges at a time: the conversations read
        # are kept from one catch-up to the next, or each agent call would be read whole.
        # A body the journal keeps as bytes is parsed afresh for each later reader (see
        # journal._Packed), so what is kept here is not what a test may change.
        self.observe_all(new, self._history)
        with self._lock:
            self._position = start + len(new)

    @property
    def position(self) -> int:
        """How many journal entries are folded in."""
        with self._lock:
            return self._position

    def journal_cleared(self) -> None:
        with self._lock:
            self._position = 0

    def journal_trimmed(self, count: int) -> None:
        """The journal dropped its `count` oldest exchanges (all folded in already)."""
        with self._lock:
            self._position -= count

    def expect(self, request_ids: Iterable[str]) -> None:
        """These requests were rejected on purpose (a test of the client's error handling)."""
        with self._lock:
            self._expected_ids.update(request_ids)

    def report(self) -> ContractReport:
        with self._lock:
            self._count_pending()
            ids = (r.request_id for r, _ in self._records)
            real = {i for i in ids if i not in self._expected_ids}
            return ContractReport(
                requests=self._requests,
                endpoints=dict(self._endpoints.most_common()),
                statuses=dict(sorted(self._statuses.items())),
                features={c: dict(v.most_common()) for c, v in self._features.items()},
                rules=_summarise(self._records, self._expected_ids),
                violating_requests=len(real),
                notices=_summarise(self._notices, self._expected_ids),
            )


def build_report(exchanges: Iterable[Exchange]) -> ContractReport:
    """The report over these exchanges (e.g. a journal's)."""
    collector = ReportCollector()
    collector.observe_all(exchanges)
    return collector.report()
