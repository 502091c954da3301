"""What a handler learns about one exchange, for the journal to keep."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from .errors import Problem


class Draft:
    """What a handler learns about its exchange; the route wrapper journals it (the journal
    builds the Exchange from it when first read, so nothing may change it after that).

    A plain class whose defaults live on the class: one is made per request, and only
    what a handler learns is written to it.
    """

    body: Any = None
    # The bytes `body` was parsed from: what the journal keeps of it (see Journal.add).
    raw: bytes | None = None
    # The memory the journal's copy of the body holds, in bytes (its bytes when kept as
    # such; held_size.py's estimate for a parsed body; an upload's bytes as they are).
    body_size: int = 0
    response: Any = None
    streamed: bool = False
    step: str | None = None
    events_sent: int = 0
    interrupted: bool = False
    unmatched: bool = False
    # Worded when the journal builds the Exchange (see ScenarioBook.answer).
    near_misses: Sequence[str] = ()
    scenario_error: str | None = None
    # Tags for the journal (a message batch's request: its batch id and custom_id).
    extra: Mapping[str, Any] = MappingProxyType({})
    # What the rules recorded without refusing (see Exchange.notices).
    notices: Sequence[Problem] = ()
    # Seconds after `started` at which each streamed event was written (paced streams only:
    # a stream written in one go has all its events at once).
    event_times: Sequence[float] = ()
    # How long the exchange took, in seconds (set by the route wrapper).
    duration: float = 0.0

    def __init__(self, request_id: str, headers: Mapping[str, str] | None = None) -> None:
        self.request_id = request_id
        # As received (case-insensitive names); the journal's Exchange gets them lower-cased.
        self.headers: Mapping[str, str] = {} if headers is None else headers
        self.problems: list[Problem] = []
        # Wall-clock time for the journal, and a monotonic start for the durations.
        self.started = time.time()
        self.clock_start = time.perf_counter()
