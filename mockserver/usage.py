"""The ``usage`` object of a Message, and its streamed forms (message_start, message_delta).

All three carry the same figures: a stream's ``message_delta`` usage is cumulative,
so it repeats the final totals rather than adding to ``message_start``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .cache import CacheUsage
from .stopping import Finished

# The API reports the tier that served the request; both request values
# ("auto", "standard_only") are served by the standard tier unless the organisation
# bought priority capacity, which the mock does not model.
STANDARD_TIER = "standard"
DEFAULT_GEO = "global"


def build_usage(
    cache: CacheUsage,
    finished: Finished,
    request: Mapping[str, Any],
    *,
    service_tier: str = STANDARD_TIER,
) -> dict[str, Any]:
    """The final ``usage`` of a Message (batch results pass ``service_tier="batch"``)."""
    geo = request.get("inference_geo")
    speed = request.get("speed")
    return {
        "input_tokens": cache.input_tokens,
        "output_tokens": finished.output_tokens,
        "cache_creation_input_tokens": cache.cache_creation_input_tokens,
        "cache_read_input_tokens": cache.cache_read_input_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.ephemeral_5m_input_tokens,
            "ephemeral_1h_input_tokens": cache.ephemeral_1h_input_tokens,
        },
        "server_tool_use": server_tool_use(finished.content),
        "service_tier": service_tier,
        "inference_geo": geo if isinstance(geo, str) and geo else DEFAULT_GEO,
        "output_tokens_details": {"thinking_tokens": finished.thinking_tokens},
        "speed": speed if speed in ("standard", "fast") else None,
    }


def start_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``message_start`` usage: the input figures final, output only just begun."""
    start = dict(usage)
    start["output_tokens"] = min(1, int(usage["output_tokens"]))
    start["server_tool_use"] = None
    # A pinned null stays null, so the streamed Message ends equal to the JSON one.
    if usage.get("output_tokens_details") is not None:
        start["output_tokens_details"] = {"thinking_tokens": 0}
    return start


def delta_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``message_delta`` usage: cumulative totals, equal to the final Message's."""
    fields = (
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "server_tool_use",
        "output_tokens_details",
    )
    return {name: usage[name] for name in fields}


def server_tool_use(content: Sequence[Mapping[str, Any]]) -> dict[str, int] | None:
    """Web search and fetch requests made in the reply; None when it made none."""
    # A loop, not a comprehension: this runs for every reply, and a comprehension is a call.
    searches = fetches = 0
    for block in content:
        if block.get("type") == "server_tool_use":
            name = block.get("name")
            searches += name == "web_search"
            fetches += name == "web_fetch"
    if not searches and not fetches:
        return None
    return {"web_search_requests": searches, "web_fetch_requests": fetches}
