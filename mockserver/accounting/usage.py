"""The ``usage`` object of a Message, and its streamed forms (message_start, message_delta).

All three carry the same figures: a stream's ``message_delta`` usage is cumulative,
so it repeats the final totals rather than adding to ``message_start``'s.

The fields follow recorded traffic (the SDK's recorded streams, model-facts.md): a field
whose feature went unused is left out, not sent as null. ``server_tool_use`` only when
a server tool ran, ``output_tokens_details`` only where thinking is in play, ``speed``
only when the request set it. In a stream the first two arrive in ``message_delta``
(``message_start`` has neither), which is where the SDKs' accumulators take them from.
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


# Left out when unused; a scenario pinning one of them to null has it left out too.
OPTIONAL_FIELDS = ("server_tool_use", "output_tokens_details", "speed")
# What message_delta adds to message_start's usage when present (recorded streams).
_DELTA_EXTRAS = ("server_tool_use", "output_tokens_details")


def build_usage(
    cache: CacheUsage,
    finished: Finished,
    request: Mapping[str, Any],
    *,
    thinking: bool = False,
    service_tier: str = STANDARD_TIER,
) -> dict[str, Any]:
    """The final ``usage`` of a Message (batch results pass ``service_tier="batch"``).

    `thinking`: the request has thinking on (asked for, or the model's default); a reply
    that thinks reports its thinking tokens either way.
    """
    geo = request.get("inference_geo")
    # Key order as recorded: input figures, output, then where it was served.
    usage: dict[str, Any] = {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.cache_creation_input_tokens,
        "cache_read_input_tokens": cache.cache_read_input_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.ephemeral_5m_input_tokens,
            "ephemeral_1h_input_tokens": cache.ephemeral_1h_input_tokens,
        },
        "output_tokens": finished.output_tokens,
        "service_tier": service_tier,
        "inference_geo": geo if isinstance(geo, str) and geo else DEFAULT_GEO,
    }
    if thinking or finished.thinking_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": finished.thinking_tokens}
    tools = server_tool_use(finished.content)
    if tools is not None:
        usage["server_tool_use"] = tools
    speed = request.get("speed")
    if speed in ("standard", "fast"):
        usage["speed"] = speed
    return usage


def start_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``message_start`` usage: the input figures final, output only just begun."""
    start = {k: v for k, v in usage.items() if k not in _DELTA_EXTRAS}
    start["output_tokens"] = min(1, int(usage["output_tokens"]))
    return start


def delta_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``message_delta`` usage: cumulative totals, equal to the final Message's."""
    delta = {
        "input_tokens": usage["input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "output_tokens": usage["output_tokens"],
    }
    for name in _DELTA_EXTRAS:
        if usage.get(name) is not None:
            delta[name] = usage[name]
    return delta


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
