"""`safeguards` in a request → `safeguard_results` in its reply (beta, undocumented).

No API reference covers it yet. The shape is the one the AI SDK 4.x reads and documents
(its zod schema and its docs' wire example), which Claude Code reads verbatim: one entry
per requested safeguard; `status.type` is `available` with a verdict per `tool_use` id
of the reply, or `unsupported` when the key is not enabled for the beta. A JSON reply
carries the array at the top level, a stream in the final `message_delta`'s `delta`.

The mock's classifier flags nothing: every tool call is `evaluated` / `not_flagged`.
Taking a request without the `dangerous-tool-use-2026-09-03` beta (but with another, so
the field is accepted at all) as "not enabled" is a guess from the AI SDK's wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DANGEROUS_TOOL_USE_BETA = "dangerous-tool-use-2026-09-03"


def safeguard_results(
    requested: Sequence[Any],
    content: Sequence[Mapping[str, Any]],
    betas: frozenset[str],
) -> list[dict[str, Any]]:
    """The verdicts of the safeguards `requested`, on the reply's `content`."""
    # A body answered despite schema violations (strictness "warn") may hold anything.
    asked = [s for s in requested if isinstance(s, Mapping)]
    if DANGEROUS_TOOL_USE_BETA not in betas:
        return [{"type": s.get("type"), "status": {"type": "unsupported"}} for s in asked]
    verdicts = {
        str(block["id"]): {"type": "evaluated", "outcome": "not_flagged"}
        for block in content
        if block.get("type") == "tool_use" and "id" in block
    }
    return [
        {"type": s.get("type"), "status": {"type": "available", "tool_uses": dict(verdicts)}}
        for s in asked
    ]
