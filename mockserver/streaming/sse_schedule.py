"""When each event of a stream goes out, and where a scripted fault strikes. Pure, no I/O."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..scripting.stream_plan import Pacing, StreamFault
from .events import Event

# Roughly four characters per token, as the API's tokenizer averages on English text.
_CHARS_PER_TOKEN = 4
_DELTA_TEXT_FIELDS = ("text", "thinking", "partial_json")


def text_tokens(text: str) -> int:
    """Tokens a piece of streamed text stands for, for pacing."""
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


def delta_tokens(data: dict[str, Any]) -> int:
    """Tokens a content_block_delta stands for (0 for citations and signatures)."""
    delta = data.get("delta", {})
    for field in _DELTA_TEXT_FIELDS:
        if field in delta:
            return text_tokens(delta[field])
    return 0


def event_delays(events: Sequence[Event], pacing: Pacing) -> list[float]:
    """Seconds to wait before each event.

    message_start, the first block's start and the ping go out at once; the time to first
    token is spent before the next event, and every delta then costs its tokens at
    `tokens_per_second`.
    """
    if not pacing.first_token_delay and not pacing.tokens_per_second:
        return [0.0] * len(events)  # unpaced, as most streams are: nothing to count
    opening = next((i + 1 for i, (name, _) in enumerate(events) if name == "ping"), 1)
    tokens = [delta_tokens(data) if name == "content_block_delta" else 0 for name, data in events]
    return paced_delays(tokens, opening, pacing)


def paced_delays(tokens: Sequence[int], opening: int, pacing: Pacing) -> list[float]:
    """Seconds to wait before each of a stream's events, given the tokens each carries and
    the index of the first one the time to first token is spent before. Shared by both
    doors, so one pacing reads the same on either. Jitter scales each non-zero wait by a
    seeded factor."""
    if not pacing.first_token_delay and not pacing.tokens_per_second:
        return [0.0] * len(tokens)
    rng = random.Random(pacing.seed)
    delays: list[float] = []
    for index, count in enumerate(tokens):
        wait = pacing.first_token_delay if index == opening else 0.0
        if count and pacing.tokens_per_second:
            wait += count / pacing.tokens_per_second
        if wait and pacing.jitter:
            wait *= 1 + pacing.jitter * (2 * rng.random() - 1)
        delays.append(wait)
    return delays


@dataclass(frozen=True)
class FaultPoint:
    """The fault strikes before event `index`, once `partial` bytes of it have been sent."""

    index: int
    partial: int = 0


def fault_point(fault: StreamFault, frames: Sequence[bytes]) -> FaultPoint:
    """Where `fault` strikes in these frames; past the end means after the last one."""
    if fault.after_bytes is None:
        return FaultPoint(min(fault.after_events or 0, len(frames)))
    remaining = fault.after_bytes
    for index, frame in enumerate(frames):
        if remaining < len(frame):
            # An error event cannot start inside another frame: it follows the cut one.
            if fault.kind == "error" and remaining:
                return FaultPoint(index + 1)
            return FaultPoint(index, remaining)
        remaining -= len(frame)
    return FaultPoint(len(frames))
