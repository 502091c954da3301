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
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from .clock import Clock
from .error_catalog import rate_limit_message
from .errors import RateLimited

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


class _Bucket:
    def __init__(self, capacity: int, now: float) -> None:
        self.capacity = capacity
        self.level = float(capacity)
        self.updated = now

    @property
    def rate(self) -> float:
        return self.capacity / 60.0

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
            self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` fits (more than the capacity: until the bucket is full)."""
        return max(0.0, (min(amount, self.capacity) - self.level) / self.rate)

    def give_back(self, amount: float) -> None:
        self.level = min(self.capacity, self.level + amount)

    def full_at(self, now: float) -> float:
        return now + max(0.0, self.capacity - self.level) / self.rate


def _rfc3339(timestamp: float) -> str:
    return datetime.fromtimestamp(math.ceil(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nearest_thousand(value: float) -> int:
    return int(math.floor(max(0.0, value) / 1000 + 0.5) * 1000)


def _triple(word: str, limit: int, remaining: int, reset: str) -> dict[str, str]:
    return {
        f"{HEADER_PREFIX}{word}-limit": str(limit),
        f"{HEADER_PREFIX}{word}-remaining": str(remaining),
        f"{HEADER_PREFIX}{word}-reset": reset,
    }


def _headers(buckets: Mapping[str, _Bucket], now: float) -> dict[str, str]:
    headers: dict[str, str] = {}
    for kind, bucket in buckets.items():
        level = max(0.0, bucket.level)
        remaining = int(level) if kind == "requests" else _nearest_thousand(level)
        reset = _rfc3339(bucket.full_at(now))
        headers |= _triple(_KINDS[kind][0], bucket.capacity, remaining, reset)
    tokens = [buckets[k] for k in ("input_tokens", "output_tokens") if k in buckets]
    if tokens:
        tight = min(tokens, key=lambda b: b.level / b.capacity)
        reset = _rfc3339(tight.full_at(now))
        headers |= _triple("tokens", tight.capacity, _nearest_thousand(tight.level), reset)
    return headers


class RateLimiter:
    """Buckets per API key. Limits come from the config unless set for a key (or all keys)."""

    def __init__(self, default: RateLimits | None, clock: Clock) -> None:
        self._default = default
        self._clock = clock
        self._lock = threading.Lock()
        # None as a key: the limits set for every key.
        self._set: dict[str | None, RateLimits | None] = {}
        self._buckets: dict[str, dict[str, _Bucket]] = {}
        # No limits for any key: a plain attribute, read on every request.
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
        limits = self._limits_for(api_key)
        wanted = limits.per_kind() if limits else {}
        buckets = self._buckets.get(api_key, {})
        if {k: b.capacity for k, b in buckets.items()} != wanted:
            buckets = {kind: _Bucket(limit, now) for kind, limit in wanted.items()}
            self._buckets[api_key] = buckets
        for bucket in buckets.values():
            bucket.refill(now)
        return buckets

    def headers(self, api_key: str) -> dict[str, str]:
        """The `anthropic-ratelimit-*` headers for `api_key` now (none when it is unlimited)."""
        now = self._clock.now()
        with self._lock:
            return _headers(self._current(api_key, now), now)

    def admit(
        self, api_key: str, *, input_tokens: int, output_tokens: int, org_id: str, model: str
    ) -> Admission:
        """Take this request's share, or raise the API's 429 if it does not fit."""
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
            bucket = self._buckets.get(api_key, {}).get(kind)
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
        used = {
            "input_tokens": _int(usage.get("input_tokens"))
            + _int(usage.get("cache_creation_input_tokens")),
            "output_tokens": _int(usage.get("output_tokens")),
        }
        for kind, held in self._held.items():
            self._limiter.settle(self._api_key, kind, held - used[kind])
        return before if before is not None else self._limiter.headers(self._api_key)


class _Unlimited(Admission):
    """The admission of a key with no limits: nothing held, no headers to send."""

    def __init__(self) -> None:
        pass

    def finish(self, usage: Mapping[str, Any], *, streamed: bool) -> dict[str, str]:
        return {}


UNLIMITED: Admission = _Unlimited()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
