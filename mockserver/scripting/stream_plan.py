"""How a reply is streamed: pacing and scripted faults."""

from __future__ import annotations

from dataclasses import dataclass
from math import inf
from typing import Literal, get_args

FaultKind = Literal["error", "disconnect", "stall"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass(frozen=True)
class Pacing:
    """Timing of a stream. The defaults add no delay, so test suites stay fast."""

    # Seconds between the response headers and message_start (time to first token).
    first_token_delay: float = 0.0
    # Generation speed for text, thinking and tool-input deltas; None: no delay.
    tokens_per_second: float | None = None
    # Characters per text/thinking delta (tool input pieces vary between 1 and this).
    chunk_chars: int = 24
    # Each delay is scaled by a factor drawn from [1 - jitter, 1 + jitter], seeded.
    jitter: float = 0.0
    seed: int = 0
    # A ping goes out whenever a paced stream has been silent this long.
    ping_interval: float = 5.0

    def __post_init__(self) -> None:
        if self.first_token_delay < 0:
            raise ValueError("first_token_delay must be >= 0")
        if self.tokens_per_second is not None and self.tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be > 0")
        if self.chunk_chars < 1:
            raise ValueError("chunk_chars must be >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        if self.ping_interval <= 0:
            raise ValueError("ping_interval must be > 0")


@dataclass(frozen=True)
class StreamFault:
    """Something going wrong part-way through a stream (the HTTP status is already 200).

    The fault strikes after `after_events` events of the stream (ping included) or after
    `after_bytes` bytes of it; with neither, before the first event.
    - error: an `event: error` frame of `error_type` / `message`, then the stream ends;
    - disconnect: the connection closes with no message_stop (mid-frame for after_bytes);
    - stall: no bytes for `stall_seconds`, then the stream goes on.
    """

    kind: FaultKind
    after_events: int | None = None
    after_bytes: int | None = None
    error_type: str = "overloaded_error"
    # None: the API's default wording for `error_type` (e.g. "Overloaded").
    message: str | None = None
    stall_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        if self.after_events is not None and self.after_bytes is not None:
            raise ValueError("give after_events or after_bytes, not both")
        if (self.after_events or 0) < 0 or (self.after_bytes or 0) < 0:
            raise ValueError("after_events and after_bytes must be >= 0")
        if not isinstance(self.stall_seconds, int | float) or not 0 <= self.stall_seconds < inf:
            raise ValueError("stall_seconds must be >= 0")
        # They go out in an `event: error` frame: anything but text breaks its schema.
        if not isinstance(self.error_type, str) or not isinstance(self.message, str | None):
            raise ValueError("error_type must be a string, and message a string or null")


@dataclass(frozen=True)
class StreamPlan:
    # None: the server-wide pacing (Config.stream_pacing), else no delay.
    pacing: Pacing | None = None
    fault: StreamFault | None = None


DEFAULT_STREAM = StreamPlan()
