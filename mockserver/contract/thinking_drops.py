"""Thinking blocks the API drops instead of refusing, and `input_transformations`.

On a model that binds thinking to its conversation, a block replayed into a different
conversation is refused, unless the request sets
`thinking.block_binding.prefix_mismatch_behavior: "drop_block"`: then the API removes it
(and the rest of its turn's thinking, which here fails the same check) before the model
sees the prompt, and counts nothing for it (SDK 2.17 `BetaMessage.input_transformations`
docstring). With the `thinking-binding-controls-2026-08-01` beta each removal is reported
as `{type: "thinking_dropped", path, reason: "prefix_binding_mismatch"}`, on every reply
of a model that can think (`[]` when nothing was dropped); in a stream on
`message_start` (the recorded input_transformations_*.txt streams).

Not modelled: `model_binding_mismatch` (the mock's signatures do not record the model),
the organization and end-user bindings, and `thinking_mismatch_allowed` entries (the
catalog knows only whether a model enforces binding, not when it would check without
enforcing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..catalog import ModelSpec
from ..signing.signer import BlockCheck, Signer, Verdict

BINDING_BETA = "thinking-binding-controls-2026-08-01"
_DROP = "drop_block"
_NOT_THINKING = frozenset({"disabled"})


def drops_rebound_blocks(body: Mapping[str, Any], model: ModelSpec | None) -> bool:
    """The request asks to drop, on a model whose binding would otherwise refuse."""
    if model is None or not model.binds_thinking:
        return False
    thinking = body.get("thinking")
    binding = thinking.get("block_binding") if isinstance(thinking, Mapping) else None
    return isinstance(binding, Mapping) and binding.get("prefix_mismatch_behavior") == _DROP


def dropped_blocks(body: Mapping[str, Any], signer: Signer) -> tuple[BlockCheck, ...]:
    """The blocks a drop-asking request has removed: authentic, but bound elsewhere.

    A made-up or altered block is not dropped: the signature rule refuses it.
    """
    return tuple(c for c in signer.faults(body, binding=True) if c.verdict is Verdict.MISMATCH)


def without(body: Mapping[str, Any], drops: Sequence[BlockCheck]) -> dict[str, Any]:
    """A copy of `body` whose messages lack the dropped blocks (the prompt the model sees)."""
    gone: dict[int, set[int]] = {}
    for check in drops:
        gone.setdefault(check.message, set()).add(check.block)
    messages = list(body["messages"])
    for index, blocks in gone.items():
        message = messages[index]
        kept = [b for i, b in enumerate(message["content"]) if i not in blocks]
        messages[index] = {**message, "content": kept}
    return {**body, "messages": messages}


def reports_transformations(betas: frozenset[str], model: ModelSpec | None) -> bool:
    """Whether replies to this request carry `input_transformations` at all."""
    if BINDING_BETA not in betas or model is None:
        return False
    return bool(model.thinking_types - _NOT_THINKING)


def input_transformations(drops: Sequence[BlockCheck]) -> list[dict[str, str]]:
    return [
        {"type": "thinking_dropped", "path": c.path, "reason": "prefix_binding_mismatch"}
        for c in drops
    ]
