"""The time the prompt cache expires entries by; tests move it instead of sleeping."""

from __future__ import annotations

import math
import time

# The longest single jump: far past any TTL or rate-limit window, and small enough that the
# time stays an ordinary float (NaN or infinity would stop every cache read and window).
MAX_ADVANCE_SECONDS = 100 * 31_557_600


class Clock:
    """Seconds since the epoch, running with real time plus whatever `advance` added."""

    def __init__(self) -> None:
        self._start_wall = time.time()
        self._start_mono = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        return self._start_wall + (time.monotonic() - self._start_mono) + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward, e.g. ``clock.advance(301)`` to let a 5-minute cache entry expire."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        # Written so NaN fails too; an int too large for a float is refused before adding.
        if not (seconds <= MAX_ADVANCE_SECONDS and math.isfinite(seconds)):
            raise ValueError(
                f'"seconds" must be finite and at most {MAX_ADVANCE_SECONDS} (100 years)'
            )
        self._offset += seconds

    def reset(self) -> None:
        """Back to real time (what every advance added is dropped)."""
        self._offset = 0.0
