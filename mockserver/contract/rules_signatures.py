"""Thinking blocks sent back must carry a signature this server minted for them.

An altered or made-up block fails on every model. A block whose signature this server
did not mint but is shaped like the real API's (a real conversation, replayed) cannot be
verified: it is accepted and noted as an unverifiable signature, or refused under the
`signatures: strict` setting. A block replayed into another
conversation fails only on models that bind thinking to its conversation (the catalog
says which: always, or only when the request sets `prefix_mismatch_behavior: error`),
unless the request asks to drop such blocks instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from ..signing.signer import BlockCheck, Verdict
from .rules_request import RuleRequest, mapping, problem

_BINDING_BETA = "thinking-binding-controls-2026-08-01"
# The rule name a block accepted without verification is recorded under.
UNVERIFIABLE = "unverifiable_signature"

# Why the block no longer matches, appended to the message. Only the `system` wording
# is observed (anomalyco/opencode #48637); the others follow it (guesses).
_REASONS = {
    "system": "The `system` prompt differs from the one this block was created with.",
    "tools": "The `tools` differ from the ones this block was created with.",
    "messages": "The messages before this block differ from the ones it was created with.",
    "order": "A thinking block before this one was removed.",
}


def rule_thinking_signatures(req: RuleRequest) -> Iterator[Problem]:
    # Without enforcement no block is judged against its conversation: no MISMATCH.
    for check in req.signer.faults(req.body, binding=_binding_enforced(req)):
        if check.verdict is Verdict.FOREIGN and req.signatures == "lenient":
            req.notes.append(problem(UNVERIFIABLE, _unverifiable(check), check.path))
        elif check.verdict is not Verdict.MISMATCH:
            yield problem("thinking_signature", f"{check.path}: {_invalid(check)}", check.path)
        else:
            yield problem("thinking_binding", _rebound(req, check), check.path)


def _binding_enforced(req: RuleRequest) -> bool:
    model = req.model
    if model is None or not (model.binds_thinking or model.binds_thinking_on_request):
        return False
    behavior = mapping(req.thinking.get("block_binding")).get("prefix_mismatch_behavior")
    if model.binds_thinking:
        return behavior != "drop_block"
    return behavior == "error"


def _invalid(check: BlockCheck) -> str:
    if check.block_type == "thinking":
        # Observed: api-surface.md §9 (anthropics/claude-code, lbjlaq/Antigravity-Manager #498).
        return "Invalid `signature` in `thinking` block"
    return "Invalid `data` in `redacted_thinking` block"  # guess, by analogy


def _unverifiable(check: BlockCheck) -> str:
    token = "`signature`" if check.block_type == "thinking" else "`data`"
    return (
        f"{check.path}: unverifiable {token} in `{check.block_type}` block: well-formed, but "
        "not minted by this server (accepted as the real API's; `signatures: strict` refuses it)"
    )


def _rebound(req: RuleRequest, check: BlockCheck) -> str:
    # Observed whole: anomalyco/opencode #48637. Without the beta the setting cannot be
    # used, so the message says what it needs.
    parts = [
        f"{check.path}: {_invalid(check)}. The block is bound to a different conversation. "
        "Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` to "
        '"drop_block".'
    ]
    if _BINDING_BETA not in req.ctx.betas:
        parts.append(
            f"That setting requires the `{_BINDING_BETA}` value in the `anthropic-beta` header."
        )
    parts.append(_REASONS.get(check.differs or "", ""))
    return " ".join(p for p in parts if p)
