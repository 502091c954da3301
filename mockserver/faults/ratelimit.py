"""Per-key rate limits as the API applies them, and the `anthropic-ratelimit-*` headers.

Each limit is a token bucket (the API's rate-limits docs): it holds a minute's worth
and refills continuously at limit/60 per second, so capacity comes back gradually
rather than all at once at the top of the minute.
- requests: one per request;
- input tokens: the uncached input (`input_tokens` + `cache_creation_input_tokens`);
  cache reads do not count;
- output tokens: `max_tokens` is held when the request is admitted, and what the
  reply did not use is given back when it is done.

Headers: `-remaining` of a token limit is rounded to the nearest thousand, as the API
rounds it; `-reset` is when the bucket will be full again (RFC 3339); `tokens-*` show
whichever of the input and output limits is closer to running out. A request that
does not fit gets a 429 with `retry-after`: the whole seconds until it would fit.
Time is the server's `Clock`, so tests move it instead of sleeping.

A key without configured limits is answered with the headers all the same, as the API
answers every request with them: its buckets hold `NOMINAL`'s figures and count down and
refill the same way, but never refuse a request. An answered request takes what is left
and the bucket stops at zero (no debt to wait off): a fast test suite can send thousands
of requests a minute, and a mock that throttled it unasked would be in its way.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..clock import Clock
from ..contract.error_catalog import rate_limit_message
from ..errors import RateLimited

HEADER_PREFIX = "anthropic-ratelimit-"
# Limit name → (the header word, the unit in the 429 message).
_KINDS = {
    "requests": ("requests", "requests"),
    "input_tokens": ("input-tokens", "input tokens"),
    "output_tokens": ("output-tokens", "output tokens"),
}


@dataclass(frozen=True)
class RateLimits:
    """Limits per minute; None: that dimension is not limited."""

    requests_per_minute: int | None = None
    input_tokens_per_minute: int | None = None
    output_tokens_per_minute: int | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{item.name} must be an integer or None")
            if value is not None and value < 1:
                raise ValueError(f"{item.name} must be >= 1")

    def per_kind(self) -> dict[str, int]:
        given = {
            "requests": self.requests_per_minute,
            "input_tokens": self.input_tokens_per_minute,
            "output_tokens": self.output_tokens_per_minute,
        }
        return {kind: limit for kind, limit in given.items() if limit is not None}

    def to_json(self) -> dict[str, int | None]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


# What the headers of a key without configured limits show: the rate-limits page's
# Tier 4 (the highest tier of its table) for Claude Sonnet 4.x and Opus 4.x. Guess:
# api-surface.md names the headers but no tier's figures; these are the public docs' as
# of 2026, and Haiku 4.5's Tier 4 (4,000,000 / 800,000 tokens) is not told apart.
NOMINAL = RateLimits(
    requests_per_minute=4_000,
    input_tokens_per_minute=2_000_000,
    output_tokens_per_minute=400_000,
)


class _Bucket:
    def __init__(self, capacity: int, now: float) -> None:
        self.capacity = capacity
        self.level = float(capacity)
        self.updated = now
        # Read for every answer's headers: worked out once.
        self.rate = capacity / 60.0
        self.limit_text = str(capacity)

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
            self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` fits (more than the capacity: until the bucket is full)."""
        return max(0.0, (min(amount, self.capacity) - self.level) / self.rate)

    def give_back(self, amount: float) -> None:
        self.level = min(self.capacity, self.level + amount)

    def take_what_is_left(self, amount: float) -> float:
        """Take `amount`, or all there is when it is less; how much was taken."""
        taken = min(amount, max(0.0, self.level))
        self.level -= taken
        return taken


@lru_cache(maxsize=64)
def _utc_second(second: int) -> str:
    # Every answer carries four resets, mostly within the same few seconds: formatted once.
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_floor, _ceil = math.floor, math.ceil


def _names(word: str) -> tuple[str, str, str]:
    return (
        f"{HEADER_PREFIX}{word}-limit",
        f"{HEADER_PREFIX}{word}-remaining",
        f"{HEADER_PREFIX}{word}-reset",
    )


_NAMES = {kind: _names(word) for kind, (word, _) in _KINDS.items()} | {"tokens": _names("tokens")}


def _headers(buckets: Mapping[str, _Bucket], now: float) -> dict[str, str]:
    # Sent with every answer, so written for speed: `tokens-*` repeats the figures of
    # the token bucket with the smaller share left (the input one on a tie).
    # Token figures are rounded to the nearest thousand; a reset is the second the bucket
    # will be full again.
    headers: dict[str, str] = {}
    tight: tuple[str, ...] = ()
    share = 2.0
    for kind, bucket in buckets.items():
        names = _NAMES[kind]
        level = bucket.level
        headers[names[0]] = bucket.limit_text
        if kind == "requests":
            headers[names[1]] = str(int(level)) if level > 0 else "0"
        else:
            headers[names[1]] = str(int(_floor(max(0.0, level) / 1000 + 0.5) * 1000))
            if level / bucket.capacity < share:
                tight, share = names, level / bucket.capacity
        full_in = max(0.0, bucket.capacity - level) / bucket.rate
        headers[names[2]] = _utc_second(_ceil(now + full_in))
    if tight:
        limit, remaining, reset = _NAMES["tokens"]
        headers[limit] = headers[tight[0]]
        headers[remaining] = headers[tight[1]]
        headers[reset] = headers[tight[2]]
    return headers


class RateLimiter:
    """Buckets per API key. Limits come from the config unless set for a key (or all keys)."""

    def __init__(self, default: RateLimits | None, clock: Clock) -> None:
        self._default = default
        self._clock = clock
        self._lock = threading.Lock()
        # None as a key: the limits set for every key.
        self._set: dict[str | None, RateLimits | None] = {}
        # Each key's buckets, with the limits they were made for.
        self._buckets: dict[str, tuple[RateLimits, dict[str, _Bucket]]] = {}
        # No limits for any key, so none can be refused: a plain attribute, read on every
        # request.
        self.unlimited = default is None

    def limits_for(self, api_key: str) -> RateLimits | None:
        # Asked on every request, so without the lock: each lookup is one atomic dict
        # read, and a request racing a change of limits gets the old or the new ones.
        return self._limits_for(api_key)

    def _limits_for(self, api_key: str) -> RateLimits | None:
        if api_key in self._set:
            return self._set[api_key]
        return self._set.get(None, self._default)

    def set_limits(self, limits: RateLimits | None, api_key: str | None = None) -> None:
        """Limits for `api_key` (None: every key); `limits=None` lifts them. Buckets start full."""
        with self._lock:
            if api_key is None:
                self._set = {None: limits}
                self._buckets.clear()
            else:
                self._set[api_key] = limits
                self._buckets.pop(api_key, None)
            self._note_unlimited()

    def clear(self) -> None:
        """Back to the configured limits, every bucket full."""
        with self._lock:
            self._set.clear()
            self._buckets.clear()
            self._note_unlimited()

    def _note_unlimited(self) -> None:
        # Called with the lock held, after any change of the limits.
        default = self._set.get(None, self._default)
        self.unlimited = default is None and all(v is None for v in self._set.values())

    def _current(self, api_key: str, now: float) -> dict[str, _Bucket]:
        limits = self._limits_for(api_key) or NOMINAL
        made = self._buckets.get(api_key)
        if made is None or (made[0] is not limits and made[0] != limits):
            buckets = {kind: _Bucket(limit, now) for kind, limit in limits.per_kind().items()}
            self._buckets[api_key] = (limits, buckets)
        else:
            buckets = made[1]
        for bucket in buckets.values():
            bucket.refill(now)
        return buckets

    def headers(self, api_key: str) -> dict[str, str]:
        """The `anthropic-ratelimit-*` headers for `api_key` now (`NOMINAL`'s when it has
        no limits)."""
        now = self._clock.now()
        with self._lock:
            return _headers(self._current(api_key, now), now)

    def counted(self, api_key: str, max_tokens: Any) -> Admission:
        """The admission of a key without limits: never refused, counted once answered."""
        return _Counted(self, api_key, max_tokens if isinstance(max_tokens, int) else 0)

    def count(
        self, api_key: str, input_used: int, output_used: int, held_output: int
    ) -> dict[str, str]:
        """Take an answered request's share from a key's buckets, each stopping at zero;
        the headers to send. `held_output` (a stream's `max_tokens`) is shown held in the
        headers, then given back down to the output used."""
        now = self._clock.now()
        held_output = max(held_output, output_used)
        with self._lock:
            buckets = self._current(api_key, now)
            output = buckets.get("output_tokens")
            held = output.take_what_is_left(held_output) if output is not None else 0.0
            requests = buckets.get("requests")
            if requests is not None:
                requests.take_what_is_left(1)
            inputs = buckets.get("input_tokens")
            if inputs is not None:
                inputs.take_what_is_left(input_used)
            headers = _headers(buckets, now)
            if output is not None and held > output_used:
                output.give_back(held - output_used)
            return headers

    def admit(
        self, api_key: str, *, input_tokens: int, output_tokens: int, org_id: str, model: str
    ) -> Admission:
        """Take this request's share, or raise the API's 429 if it does not fit.
        A key without limits is never refused: its request is counted once answered."""
        if self._limits_for(api_key) is None:
            return self.counted(api_key, output_tokens)
        asks = {"requests": 1, "input_tokens": input_tokens, "output_tokens": output_tokens}
        now = self._clock.now()
        with self._lock:
            buckets = self._current(api_key, now)
            short = [kind for kind, bucket in buckets.items() if bucket.level < asks[kind]]
            if short:
                wait = max(buckets[kind].wait_for(asks[kind]) for kind in short)
                retry = {"retry-after": str(max(1, math.ceil(wait)))}
                first = buckets[short[0]]
                message = rate_limit_message(first.capacity, _KINDS[short[0]][1], org_id, model)
                raise RateLimited(message, headers={**retry, **_headers(buckets, now)})
            for kind, bucket in buckets.items():
                bucket.level -= asks[kind]
        return Admission(self, api_key, input_tokens, output_tokens)

    def settle(self, api_key: str, kind: str, returned: float) -> None:
        with self._lock:
            made = self._buckets.get(api_key)
            bucket = made[1].get(kind) if made is not None else None
            if bucket is not None:
                bucket.give_back(returned)


class Admission:
    """An admitted request's hold on its key's buckets, settled when the reply is known."""

    def __init__(self, limiter: RateLimiter, api_key: str, input_tokens: int, output_tokens: int):
        self._limiter = limiter
        self._api_key = api_key
        self._held = {"input_tokens": input_tokens, "output_tokens": output_tokens}

    def finish(self, usage: Mapping[str, Any], *, streamed: bool) -> dict[str, str]:
        """Settle against the reply's usage; the headers to send with it.

        A stream's headers leave before any output exists, so they still show the
        `max_tokens` hold, as the API's do; a JSON answer's show the settled figures.
        """
        before = self._limiter.headers(self._api_key) if streamed else None
        used = _tokens_used(usage)
        for kind, held in self._held.items():
            self._limiter.settle(self._api_key, kind, held - used[kind])
        return before if before is not None else self._limiter.headers(self._api_key)


class _Counted(Admission):
    """A request of a key without limits: nothing held up front, counted once answered."""

    def __init__(self, limiter: RateLimiter, api_key: str, max_tokens: int) -> None:
        self._limiter = limiter
        self._api_key = api_key
        self._max_tokens = max_tokens

    def finish(self, usage: Mapping[str, Any], *, streamed: bool) -> dict[str, str]:
        get = usage.get
        return self._limiter.count(
            self._api_key,
            _int(get("input_tokens")) + _int(get("cache_creation_input_tokens")),
            _int(get("output_tokens")),
            self._max_tokens if streamed else 0,
        )


def _tokens_used(usage: Mapping[str, Any]) -> dict[str, int]:
    """What counts against the token limits: uncached input (cache reads do not), output."""
    return {
        "input_tokens": _int(usage.get("input_tokens"))
        + _int(usage.get("cache_creation_input_tokens")),
        "output_tokens": _int(usage.get("output_tokens")),
    }


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
