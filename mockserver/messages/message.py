"""Stage 6: a Reply and the request → the Message the API would return.

Accounting order matters: the cache is consulted with the request's prompt segments, the
reply is cut at max_tokens / stop sequences, and only then are ids and thinking signatures
minted, so a signature covers the (possibly shortened) thinking text the client gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import ids
from ..accounting.cache import CacheUsage, PromptCache
from ..accounting.segment import Segment
from ..accounting.stopping import finish
from ..accounting.tokens import Tokenizer
from ..accounting.usage import OPTIONAL_FIELDS, STANDARD_TIER, build_usage
from ..catalog import ModelSpec
from ..contract.rules_request import THINKING_ON
from ..scripting.reply import Reply
from ..signing.signer import Signer, SigningSession


def _finish_block(out: dict[str, Any], sign: SigningSession) -> None:
    """Mint what a block other than text leaves out, in place (`finish` returns copies)."""
    kind = out.get("type")
    if kind == "tool_use":
        out.setdefault("id", ids.tool_use_id())
        out.setdefault("input", {})
        out.setdefault("caller", {"type": "direct"})
    elif kind == "server_tool_use":
        out.setdefault("id", ids.server_tool_use_id())
        out.setdefault("input", {})
    elif kind == "thinking":
        out.setdefault("signature", sign.thinking(str(out.get("thinking", ""))))
    elif kind == "redacted_thinking":
        out.setdefault("data", sign.redacted())


def account_input(
    cache: PromptCache,
    *,
    api_key: str,
    model: ModelSpec | None,
    model_id: str,
    body: Mapping[str, Any],
    segments: Sequence[Segment],
    write: bool,
    message_id: str | None = None,
) -> CacheUsage:
    """The input side of usage: what was read from, written to, or missed the cache."""
    speed = body.get("speed")
    diagnostics = body.get("diagnostics")
    return cache.account(
        api_key,
        model_id,
        segments,
        model.min_cacheable_tokens if model else 1024,
        write=write,
        speed=speed if isinstance(speed, str) else None,
        diagnostics=diagnostics
        if diagnostics is not None and isinstance(diagnostics, Mapping)
        else None,
        message_id=message_id,
    )


def thinking_in_play(body: Mapping[str, Any], model: ModelSpec | None) -> bool:
    """The request has thinking on: asked for, or the model thinks unless told not to."""
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, Mapping) else None
    if kind is None:
        return model is not None and model.thinks_by_default
    return kind in THINKING_ON


def build_message(
    body: Mapping[str, Any],
    reply: Reply,
    *,
    model: ModelSpec | None,
    model_id: str,
    cached: CacheUsage,
    message_id: str,
    tokenizer: Tokenizer,
    signer: Signer,
    service_tier: str = STANDARD_TIER,
) -> dict[str, Any]:
    # `finish` works on copies of the blocks: the reply's stay as scripted.
    done = finish(
        reply.content,
        body,
        tokenizer,
        stop_reason=reply.stop_reason,
        stop_details=reply.stop_details,
    )
    content = done.content
    # One session signs a reply's thinking blocks in turn; most replies have none.
    sign: SigningSession | None = None
    for block in content:
        if block.get("type") == "text":
            # An uncited text block has no `citations` key at all (model-facts.md: the AI
            # SDK refuses a null there), so a scripted null is dropped.
            if "citations" in block and block["citations"] is None:
                del block["citations"]
            continue
        sign = sign or signer.session(body)
        _finish_block(block, sign)
    usage = build_usage(
        cached, done, body, thinking=thinking_in_play(body, model), service_tier=service_tier
    )
    if reply.usage:
        usage.update(reply.usage)
        for name in OPTIONAL_FIELDS:
            if name in usage and usage[name] is None:
                del usage[name]
    message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model_id,
        "content": content,
        "stop_reason": done.stop_reason,
        "stop_sequence": done.stop_sequence,
        "stop_details": dict(done.stop_details) if done.stop_details else None,
    }
    asked = body.get("diagnostics")
    if asked is not None and isinstance(asked, Mapping):
        # Asked for, the field is there, null when the cache saw no divergence (the SDK's
        # docstring); not asked for, it is left out like every unused feature's field.
        message["diagnostics"] = (
            {"cache_miss_reason": cached.miss_reason} if cached.miss_reason else None
        )
    message["usage"] = usage
    return message
