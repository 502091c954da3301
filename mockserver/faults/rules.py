"""Faults on demand: rules that make chosen requests fail, stall, drop or arrive cut.

A `Fault` says what goes wrong; a `FaultRule` says to which requests and how often
(the next N, every Nth, with probability p under a fixed seed, for one API key or
`x-mock-session`). Rules are tried in the order they were added; the first that fires
decides the request.

Where each kind strikes (gate.py plays them):
- error, disconnect: before the request is answered, so no scenario step is used up
  and a retried request gets the step it would have got;
- latency: a wait, then the normal answer;
- truncate, stream: the real answer, damaged on the way out (its step is used, as
  the real server produced it). A streamed request is cut mid-stream by `truncate`;
  `stream` plays a `StreamFault` (an error event, a dropped connection, a stall).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, get_args

from ..contract.error_catalog import retry_after_headers
from ..scripting.reply import ErrorReply
from ..scripting.script_checks import header_problem
from ..scripting.stream_plan import StreamFault

FaultKind = Literal["error", "latency", "disconnect", "truncate", "stream"]
# "batches": creating a message batch (its requests are not struck one by one).
Endpoint = Literal["messages", "count_tokens", "batches", "any"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object, low: int | None = None, high: int | None = None) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _check_error(error: ErrorReply) -> None:
    if not _is_int(error.status, 400, 599):
        raise ValueError("an error fault's status must be an integer from 400 to 599")
    # Both go out in the error envelope, whose schema has them as strings.
    if not isinstance(error.message, str | None) or not isinstance(error.error_type, str | None):
        raise ValueError("an error fault's message and type must be strings")
    if not isinstance(error.headers, Mapping):
        raise ValueError("an error fault's headers must be an object of names and values")
    for name, value in error.headers.items():
        problem = header_problem(name, value)
        if problem is not None:
            raise ValueError(problem)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    error: ErrorReply | None = None
    # Seconds to wait first: before the error or the dropped connection, or (latency)
    # before the normal answer.
    delay: float = 0.0
    # truncate: the share of the answer sent before the connection closes.
    keep: float = 0.5
    stream: StreamFault | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        if (self.kind == "error") != (self.error is not None):
            raise ValueError("an error fault needs an error, and only an error fault has one")
        if self.error is not None:
            _check_error(self.error)
        if (self.kind == "stream") != (self.stream is not None):
            raise ValueError("a stream fault needs a StreamFault, and only a stream fault has one")
        if not _is_number(self.delay) or not 0 <= self.delay < math.inf:
            # A NaN delay never ends: asyncio sleeps for it without waking.
            raise ValueError("delay must be a number >= 0")
        if not _is_number(self.keep) or not 0 <= self.keep < 1:
            raise ValueError("keep must be a number at least 0 and below 1")

    @staticmethod
    def http_error(
        status: int = 529,
        message: str | None = None,
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """An HTTP error in the API's envelope; unset parts take the API's values for `status`.

        `retry_after` (seconds) sets `retry-after`, and `retry-after-ms` when it is not whole.
        """
        sent = retry_after_headers(retry_after) if retry_after is not None else {}
        error = ErrorReply(status, message, error_type, {**sent, **(headers or {})})
        return Fault("error", error, delay=delay)

    @staticmethod
    def latency(seconds: float) -> Fault:
        """Answer normally, `seconds` later (before the first byte of a stream too)."""
        return Fault("latency", delay=seconds)

    @staticmethod
    def disconnect(delay: float = 0.0) -> Fault:
        """Close the connection without sending any response."""
        return Fault("disconnect", delay=delay)

    @staticmethod
    def truncate(keep: float = 0.5) -> Fault:
        """Send part of the answer (with the full content-length), then close the connection."""
        return Fault("truncate", keep=keep)

    @staticmethod
    def in_stream(fault: StreamFault) -> Fault:
        """Play `fault` inside the stream of a streamed request (after HTTP 200)."""
        return Fault("stream", stream=fault)

    def describe(self) -> str:
        if self.error is not None:
            what = f"HTTP {self.error.status}"
            what += f" {self.error.error_type}" if self.error.error_type else ""
        elif self.kind == "truncate":
            what = f"truncate after {self.keep:.0%}"
        elif self.stream is not None:
            what = f"stream {self.stream.kind}"
        else:
            what = self.kind
        return what + (f" after {self.delay:g}s" if self.delay and self.kind != "latency" else "")


class Target(NamedTuple):
    """What a rule can select a request by."""

    endpoint: Literal["messages", "count_tokens", "batches"]
    api_key: str
    session: str | None
    streaming: bool


@dataclass
class FaultRule:
    """When `fault` strikes. Counters (`seen`, `fired`, `struck`) grow as requests arrive."""

    fault: Fault
    # How many times the rule fires; None: without end.
    times: int | None = 1
    # Fire on every `every`-th request the rule selects (3: the 3rd, 6th, ...).
    every: int = 1
    # Chance of firing on such a request, drawn from Random(seed): reproducible.
    probability: float = 1.0
    seed: int = 0
    # None selects any: the API key, the `x-mock-session` header, streamed or not.
    api_key: str | None = None
    session: str | None = None
    streaming: bool | None = None
    endpoint: Endpoint = "messages"
    name: str = ""
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)
    struck: list[str] = field(default_factory=list, init=False)
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.times is not None and not _is_int(self.times, 1):
            raise ValueError("times must be an integer >= 1 (or None: without end)")
        if not _is_int(self.every, 1):
            raise ValueError("every must be an integer >= 1")
        if not _is_number(self.probability) or not 0 <= self.probability <= 1:
            raise ValueError("probability must be a number between 0 and 1")
        if not _is_int(self.seed):
            raise ValueError("seed must be an integer")
        if not isinstance(self.name, str):
            raise ValueError("name must be a string")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
        self._rng = random.Random(self.seed)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def selects(self, target: Target) -> bool:
        # A fault inside a stream has nothing to act on in a plain JSON answer.
        streaming = True if self.fault.kind == "stream" else self.streaming
        return (
            self.endpoint in ("any", target.endpoint)
            and (self.api_key is None or self.api_key == target.api_key)
            and (self.session is None or self.session == target.session)
            and (streaming is None or streaming == target.streaming)
        )

    def fires(self) -> bool:
        """Count one selected request; True when the fault strikes it."""
        self.seen += 1
        if self.seen % self.every:
            return False
        if self.probability < 1 and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fault": self.fault.describe(),
            "times": self.times,
            "every": self.every,
            "probability": self.probability,
            "seed": self.seed,
            "api_key": self.api_key,
            "session": self.session,
            "streaming": self.streaming,
            "endpoint": self.endpoint,
            "seen": self.seen,
            "fired": self.fired,
            "exhausted": self.exhausted,
            "struck": list(self.struck),
        }


def fail_next(
    status: int = 529,
    *,
    times: int | None = 1,
    api_key: str | None = None,
    session: str | None = None,
    streaming: bool | None = None,
    endpoint: Endpoint = "messages",
    **error: Any,
) -> FaultRule:
    """The next `times` selected requests fail with `status` (then the normal answers resume).

    `error` takes Fault.http_error's options: message, error_type, headers, retry_after, delay.
    """
    return FaultRule(
        Fault.http_error(status, **error),
        times=times,
        api_key=api_key,
        session=session,
        streaming=streaming,
        endpoint=endpoint,
    )


class FaultBook:
    """The rules in force, shared by the server loop and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._added = 0
        # Any rule in force: a plain attribute, read without the lock on every request
        # (most servers never have a rule).
        self.in_force = False

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._added += 1
            rule.name = rule.name or f"fault-{self._added}"
            if any(r.name == rule.name for r in self._rules):
                raise ValueError(f"a fault rule named {rule.name!r} is already in force")
            self._rules.append(rule)
            self.in_force = True
        return rule

    def remove(self, name: str) -> bool:
        with self._lock:
            kept = [r for r in self._rules if r.name != name]
            found = len(kept) != len(self._rules)
            self._rules = kept
            self.in_force = bool(kept)
        return found

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._added = 0
            self.in_force = False

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def strike(self, target: Target, request_id: str) -> FaultRule | None:
        """The rule whose fault strikes this request, if one fires."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.selects(target):
                    continue
                if rule.fires():
                    rule.struck.append(request_id)
                    return rule
        return None
