"""Stage 4: the API's rules that JSON Schema cannot express.

Each rule is a small function `rule(request) -> Iterator[Problem]` in its area's module
(`rules_*.py`); the table below runs them in the order the API reports them: the
request's settings first, then the conversation, then the blocks inside it. The body
has passed the schema stage, but every rule still tolerates odd input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import (
    rules_conversation,
    rules_limits,
    rules_media,
    rules_signatures,
    rules_thinking,
    rules_tool_defs,
    rules_tools,
    rules_version,
)
from .cache import cache_problems
from .catalog import ModelSpec
from .context import RequestContext
from .errors import Problem
from .rules_request import Kind, RuleRequest
from .signatures import Signer

Rule = Callable[[RuleRequest], Iterator[Problem]]


def rule_caching(req: RuleRequest) -> Iterator[Problem]:
    """Breakpoint rules (cache.py). They come before the text rules: an empty text block
    with `cache_control` is reported as "cache_control cannot be set for empty text blocks"."""
    yield from cache_problems(req.body)


RULES: tuple[Rule, ...] = (
    rules_limits.rule_max_tokens_limit,
    rules_thinking.rule_thinking_mode_supported,
    rules_thinking.rule_budget_below_max_tokens,
    rules_thinking.rule_temperature_with_thinking,
    rules_thinking.rule_forced_tool_choice,
    rules_thinking.rule_clear_thinking_needs_thinking,
    rules_tool_defs.rule_unique_tool_names,
    rules_tool_defs.rule_domain_filters,
    rules_tool_defs.rule_tool_betas,
    rule_caching,
    rules_conversation.rule_messages_present,
    rules_conversation.rule_non_empty_content,
    rules_conversation.rule_text_blocks_have_text,
    rules_conversation.rule_prefill_supported,
    rules_conversation.rule_prefill_no_trailing_whitespace,
    rules_version.rule_no_document_in_assistant,
    rules_version.rule_no_citations_from_user,
    rules_tools.rule_tool_use_answered,
    rules_tools.rule_tool_result_expected,
    rules_thinking.rule_final_turn_starts_with_thinking,
    rules_thinking.rule_no_thinking_in_final_when_off,
    rules_signatures.rule_thinking_signatures,
    rules_media.rule_images,
)


def check_semantics(
    kind: Kind,
    body: Mapping[str, Any],
    ctx: RequestContext,
    model: ModelSpec | None,
    signer: Signer,
) -> list[Problem]:
    """Every semantic problem of a request, in the order the API would report them."""
    request = RuleRequest(kind, body, ctx, model, signer)
    return [p for rule in RULES for p in rule(request)]
