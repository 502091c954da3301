"""The time the prompt cache expires entries by; tests move it instead of sleeping."""

from __future__ import annotations

import time


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
        self._offset += seconds
