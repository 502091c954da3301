"""Stage 4: the API's rules that JSON Schema cannot express.

Each rule is a small function `rule(request) -> Iterator[Problem]` in its area's module
(`rules_*.py`); the table below runs them in the order the API reports them: the
request's settings first, then the conversation, then the blocks inside it. The body
has passed the schema stage, but every rule still tolerates odd input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import Any

from ..accounting.cache import cache_problems
from ..catalog import ModelSpec
from ..config import SignaturePolicy
from ..errors import Problem
from ..signing.signer import Signer
from . import (
    rules_conversation,
    rules_limits,
    rules_media,
    rules_model,
    rules_signatures,
    rules_thinking,
    rules_tool_defs,
    rules_tools,
    rules_version,
)
from .context import RequestContext
from .rules_request import Kind, RuleRequest
from .rules_scan import (
    BLANK_TEXT,
    CACHE_CONTROL,
    CITATIONS,
    CONTEXT_MANAGEMENT,
    DOCUMENTS,
    EMPTY_CONTENT,
    IMAGES,
    MAX_TOKENS,
    NO_MESSAGES,
    OUTPUT_CONFIG,
    PREFILL,
    REPEATED_TOOL_NAMES,
    SAMPLING,
    SYSTEM_MESSAGES,
    TEMPERATURE,
    THINKING,
    THINKING_BLOCKS,
    TOOL_CHOICE,
    TOOL_RESULTS,
    TOOL_USES,
    TOP_K,
    TOP_P,
    TYPED_TOOLS,
)

Rule = Callable[[RuleRequest], Iterator[Problem]]

# The problems kept of each rule, at most: the answer quotes the first, the report counts
# a request once per rule, and 20,000 empty messages made as many problems to journal.
_MAX_PER_RULE = 20


def rule_caching(req: RuleRequest) -> Iterator[Problem]:
    """Breakpoint rules (cache.py). They come before the text rules: an empty text block
    with `cache_control` is reported as "cache_control cannot be set for empty text blocks"."""
    yield from cache_problems(req.body)


# Each rule with the feature (`RuleRequest.features`) a request must hold to break it:
# most requests hold none, and a rule that cannot fire is not run.
RULES: tuple[tuple[Rule, str], ...] = (
    (rules_limits.rule_max_tokens_limit, MAX_TOKENS),
    (rules_model.rule_sampling_supported, SAMPLING),
    (rules_thinking.rule_thinking_mode_supported, THINKING),
    (rules_thinking.rule_budget_below_max_tokens, THINKING),
    (rules_model.rule_effort_supported, OUTPUT_CONFIG),
    (rules_model.rule_top_effort_needs_thinking, OUTPUT_CONFIG),
    (rules_thinking.rule_temperature_with_thinking, TEMPERATURE),
    (rules_thinking.rule_top_k_with_thinking, TOP_K),
    (rules_thinking.rule_top_p_with_thinking, TOP_P),
    (rules_tool_defs.rule_tool_choice_offered, TOOL_CHOICE),
    (rules_thinking.rule_forced_tool_choice, TOOL_CHOICE),
    (rules_thinking.rule_clear_thinking_needs_thinking, CONTEXT_MANAGEMENT),
    (rules_tool_defs.rule_unique_tool_names, REPEATED_TOOL_NAMES),
    (rules_tool_defs.rule_domain_filters, TYPED_TOOLS),
    (rules_tool_defs.rule_tool_betas, TYPED_TOOLS),
    (rule_caching, CACHE_CONTROL),
    (rules_conversation.rule_messages_present, NO_MESSAGES),
    (rules_model.rule_system_messages_supported, SYSTEM_MESSAGES),
    (rules_conversation.rule_non_empty_content, EMPTY_CONTENT),
    (rules_conversation.rule_text_blocks_have_text, BLANK_TEXT),
    (rules_conversation.rule_prefill_supported, PREFILL),
    (rules_conversation.rule_prefill_no_trailing_whitespace, PREFILL),
    (rules_version.rule_no_document_in_assistant, DOCUMENTS),
    (rules_version.rule_no_citations_from_user, CITATIONS),
    (rules_tools.rule_tool_use_ids_unique, TOOL_USES),
    (rules_tools.rule_tool_use_answered, TOOL_USES),
    (rules_tools.rule_tool_result_expected, TOOL_RESULTS),
    (rules_thinking.rule_final_turn_starts_with_thinking, THINKING),
    (rules_thinking.rule_no_thinking_in_final_when_off, PREFILL),
    (rules_signatures.rule_thinking_signatures, THINKING_BLOCKS),
    (rules_media.rule_images, IMAGES),
)


def check_semantics(
    kind: Kind,
    body: Mapping[str, Any],
    ctx: RequestContext,
    model: ModelSpec | None,
    signer: Signer,
    *,
    signatures: SignaturePolicy = "lenient",
    notes: list[Problem] | None = None,
) -> list[Problem]:
    """Every semantic problem of a request, in the order the API would report them.

    What the rules record without refusing (unverifiable signatures) goes to `notes`.
    """
    request = RuleRequest(kind, body, ctx, model, signer, signatures=signatures)
    features = request.features
    if not features:
        return []
    rules = _RULES_FOR.get(features) or _rules_for(features)
    problems = [p for rule in rules for p in islice(rule(request), _MAX_PER_RULE)]
    if notes is not None:
        notes += request.notes
    return problems


# Requests hold few distinct combinations of the features (most hold none), so the
# rules each combination can break are listed once, in table order.
_RULES_FOR: dict[frozenset[str], tuple[Rule, ...]] = {}


def _rules_for(features: frozenset[str]) -> tuple[Rule, ...]:
    rules = tuple(rule for rule, needs in RULES if needs in features)
    _RULES_FOR[features] = rules
    return rules
