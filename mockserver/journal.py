"""Every exchange the server answered, as plain data a test can assert on."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem


@dataclass(frozen=True)
class Exchange:
    request_id: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    status: int
    # The JSON body sent back, or for a stream the events as (name, data) pairs.
    response: Any
    streamed: bool = False
    # Which scenario step answered (None: default reply, or an error before matching).
    step: str | None = None
    # Contract violations found in the request (also those only warned about).
    problems: tuple[Problem, ...] = ()
    # How far a stream got before it ended (events written), and whether it was cut.
    events_sent: int = 0
    interrupted: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.status >= 400


class Journal:
    """Append-only log shared by the server loop and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._items.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def all(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.all())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def last(self) -> Exchange | None:
        with self._lock:
            return self._items[-1] if self._items else None

    def messages(self) -> list[Exchange]:
        """The `POST /v1/messages` exchanges (the calls a test usually counts)."""
        return [e for e in self.all() if e.method == "POST" and e.path == "/v1/messages"]

    def violations(self) -> list[Exchange]:
        return [e for e in self.all() if e.problems]
