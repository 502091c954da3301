"""Thinking: the modes a model accepts and what each mode requires of the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from ..errors import Problem
from .context import VERSION_2023
from .rules_request import Block, RuleRequest, blocks, mapping, problem
from .rules_turns import Turn

_THINKING_BLOCKS = ("thinking", "redacted_thinking")
_INTERLEAVED = "interleaved-thinking-2025-05-14"

# The API's words when a model does not take a thinking mode. "enabled" (Opus 4.7 and
# later: anthropics/claude-code #52811, handochan/aelix-ai #258), "adaptive" (Opus and
# Sonnet 4.5, Haiku 4.5: askalf/dario #273, docker/docker-agent #3362) and "disabled"
# (Fable/Mythos: danny-avila/LibreChat #13704) are observed; the rest are guesses.
_UNSUPPORTED_MODE = {
    "enabled": '"thinking.type.enabled" is not supported for this model. Use '
    '"thinking.type.adaptive" and "output_config.effort" to control thinking behavior.',
    "adaptive": "adaptive thinking is not supported on this model",
    "disabled": '"thinking.type.disabled" is not supported for this model. Thinking defaults '
    'to adaptive mode when not specified; use "thinking.type.enabled" with "budget_tokens" '
    "for extended thinking.",
}


def rule_thinking_mode_supported(req: RuleRequest) -> Iterator[Problem]:
    kind = req.thinking.get("type")
    if req.model is None or not isinstance(kind, str) or kind in req.model.thinking_types:
        return
    message = _UNSUPPORTED_MODE.get(kind)
    if message is None or (kind == "enabled" and "adaptive" not in req.model.thinking_types):
        message = f'"thinking.type.{kind}" is not supported for this model.'  # guess
    yield problem("thinking_mode_supported", message, "thinking")


def rule_budget_below_max_tokens(req: RuleRequest) -> Iterator[Problem]:
    budget, max_tokens = req.thinking.get("budget_tokens"), req.body.get("max_tokens")
    if req.thinking.get("type") != "enabled" or not _int(budget) or not _int(max_tokens):
        return
    # With interleaved thinking the budget spans the whole turn and may exceed
    # max_tokens (docs, "Extended thinking": interleaved thinking with tools).
    if budget >= max_tokens and _INTERLEAVED not in req.ctx.betas:
        yield problem(
            "budget_below_max_tokens",
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
            "documentation at https://docs.claude.com/en/docs/build-with-claude/"
            "extended-thinking#max-tokens-and-context-window-size",
            "thinking.budget_tokens",
        )


def rule_forced_tool_choice(req: RuleRequest) -> Iterator[Problem]:
    if mapping(req.body.get("tool_choice")).get("type") not in ("any", "tool"):
        return
    # Fable 5.1, Mythos 5.1 and Opus 5.5 refuse forced tool use outright, on both
    # endpoints (docs, "What's new in Claude Fable 5.1"). The catalog says which models.
    if req.model is not None and not req.model.forced_tool_choice:
        yield problem(
            "forced_tool_choice",
            'tool_choice: type "tool" and "any" are not supported for this model.',
            "tool_choice",
        )
    elif req.thinking.get("type") == "enabled":
        # Adaptive thinking accepts forced tool use (and skips thinking for it).
        yield problem(
            "forced_tool_choice",
            "Thinking may not be enabled when tool_choice forces tool use.",
            "tool_choice",
        )


def rule_temperature_with_thinking(req: RuleRequest) -> Iterator[Problem]:
    temperature = req.body.get("temperature")
    if not _sampling_with_thinking(req) or not _number(temperature):
        return
    if temperature != 1:
        yield problem(
            "temperature_with_thinking",
            "`temperature` may only be set to 1 when thinking is enabled. Please consult our "
            "documentation at https://docs.anthropic.com/en/docs/build-with-claude/"
            "extended-thinking#important-considerations-when-using-extended-thinking",
            "temperature",
        )


def rule_top_k_with_thinking(req: RuleRequest) -> Iterator[Problem]:
    if not _sampling_with_thinking(req) or req.body.get("top_k") is None:
        return
    # Observed: quarkiverse/quarkus-langchain4j #1812 (any value, even a default, is refused).
    yield problem(
        "top_k_with_thinking",
        "`top_k` must be unset when thinking is enabled. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
        "#important-considerations-when-using-extended-thinking",
        "top_k",
    )


def rule_top_p_with_thinking(req: RuleRequest) -> Iterator[Problem]:
    top_p: Any = req.body.get("top_p")
    if not _sampling_with_thinking(req) or not _number(top_p):
        return
    # The docs allow 0.95 to 1 with thinking; the API's wording for a lower value is a
    # guess (only the older "top_p must be unset when thinking is enabled" was seen).
    if top_p < 0.95:
        yield problem(
            "top_p_with_thinking",
            "`top_p` must be between 0.95 and 1 when thinking is enabled. Please consult our "
            "documentation at https://docs.claude.com/en/docs/build-with-claude/"
            "extended-thinking#important-considerations-when-using-extended-thinking",
            "top_p",
        )


def rule_clear_thinking_needs_thinking(req: RuleRequest) -> Iterator[Problem]:
    edits = mapping(req.body.get("context_management")).get("edits")
    kinds = [mapping(e).get("type") for e in edits] if isinstance(edits, list) else []
    if "clear_thinking_20251015" in kinds and req.thinking_type not in ("enabled", "adaptive"):
        # Observed: tingly-dev/tingly-box #894.
        yield problem(
            "clear_thinking_needs_thinking",
            "`clear_thinking_20251015` strategy requires `thinking` to be enabled or adaptive",
            "context_management",
        )


def rule_final_turn_starts_with_thinking(req: RuleRequest) -> Iterator[Problem]:
    """With manual thinking, the assistant turn being continued must open with thinking.

    It is continued when the request ends with it (a prefill) or with the tool results
    it asked for. Adaptive thinking may skip thinking on a turn, so it is not held to
    this. The turn is accepted when either its last assistant message or the first one
    of its tool loop starts with thinking: clients keep thinking for one or the other.
    """
    if req.kind != "messages" or req.thinking.get("type") != "enabled":
        return
    last_assistant, loop_start = _continued_turn(req.turns)
    if last_assistant is None or loop_start is None:
        return
    first = _first_block(req, last_assistant)
    if (
        first is None
        or _opens_with_thinking(first)
        or _opens_with_thinking(_first_block(req, loop_start))
    ):
        return
    i, block = first
    found = block.get("type")
    yield problem(
        "final_turn_starts_with_thinking",
        f"messages.{i}.content.0.type: Expected `thinking` or "
        f"`redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final "
        "`assistant` message must start with a thinking block (preceeding the lastmost set of "
        "`tool_use` and `tool_result` blocks). We recommend you include thinking blocks from "
        "previous turns. To avoid this requirement, disable `thinking`. Please consult our "
        "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
        f"messages.{i}.content.0",
    )


def rule_no_thinking_in_final_when_off(req: RuleRequest) -> Iterator[Problem]:
    if req.kind != "messages" or req.thinking_on or not req.ends_with_assistant:
        return
    i = req.last_index
    for j, block in enumerate(blocks(req.messages[i].get("content")) if i is not None else ()):
        if block.get("type") in _THINKING_BLOCKS:
            # Observed: tailcallhq/forgecode #1853.
            yield problem(
                "no_thinking_in_final_when_off",
                f"messages.{i}.content.{j}: When thinking is disabled, an `assistant` message "
                "in the final position cannot contain `thinking`. To use thinking blocks, "
                "enable `thinking` in your request.",
                f"messages.{i}.content.{j}",
            )
            return


def _continued_turn(turns: tuple[Turn, ...]) -> tuple[Turn | None, Turn | None]:
    """The assistant turn a request continues, and the first turn of its tool loop."""
    if turns and turns[-1].role == "assistant":
        last = turns[-1]
    elif len(turns) >= 2 and turns[-1].role == "user" and turns[-1].results:
        last = turns[-2]
    else:
        return None, None
    return last, turns[last.loop_start]


def _first_block(req: RuleRequest, turn: Turn) -> tuple[int, Block] | None:
    """The block a turn opens with and its message, if the turn has any."""
    messages = req.messages
    for i in turn.messages:
        content = blocks(messages[i].get("content"))
        if content:
            return i, content[0]
    return None


def _opens_with_thinking(first: tuple[int, Block] | None) -> bool:
    """Whether a turn opening with this block starts with thinking (one without blocks
    counts as doing so)."""
    return first is None or first[1].get("type") in _THINKING_BLOCKS


def _sampling_with_thinking(req: RuleRequest) -> bool:
    """Whether the thinking rules on `temperature`, `top_p` and `top_k` apply: under
    2023-06-01 (2026-10-21 has no such parameters), with thinking on, on a model that takes
    them at all (the others are refused by `rule_sampling_supported`)."""
    return (
        req.ctx.version == VERSION_2023
        and req.thinking_on
        and (req.model is None or req.model.sampling != "deprecated")
    )


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
