"""How a reply is streamed: pacing and scripted faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["error", "disconnect", "stall"]


@dataclass(frozen=True)
class Pacing:
    # Defaults add no delay, so test suites stay fast.
    first_token_delay: float = 0.0
    tokens_per_second: float | None = None
    chunk_chars: int = 24
    jitter: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class StreamFault:
    kind: FaultKind
    after_events: int | None = None
    after_bytes: int | None = None
    error_type: str = "overloaded_error"
    message: str = "Overloaded"
    stall_seconds: float = 0.0


@dataclass(frozen=True)
class StreamPlan:
    pacing: Pacing | None = None
    fault: StreamFault | None = None
