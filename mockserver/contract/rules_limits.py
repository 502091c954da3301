"""Limits that depend on the model: the output-token maximum."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from .rules_request import RuleRequest, problem

# With this beta the API lets the models that support it write up to 300k tokens;
# which models those are is not public, so any model may (unverified).
_OUTPUT_300K = "output-300k-2026-03-24"


def rule_max_tokens_limit(req: RuleRequest) -> Iterator[Problem]:
    max_tokens = req.body.get("max_tokens")
    if req.model is None or not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        return
    limit = req.model.max_output_tokens
    if _OUTPUT_300K in req.ctx.betas:
        limit = max(limit, 300_000)
    if max_tokens > limit:
        # The model is named by its canonical (dated) id even when an alias was sent:
        # "… for claude-opus-4-5-20251101" (api-surface.md §9, observed).
        yield problem(
            "max_tokens_limit",
            f"max_tokens: {max_tokens} > {limit}, which is the maximum allowed number of "
            f"output tokens for {req.model.id}",
            "max_tokens",
        )
