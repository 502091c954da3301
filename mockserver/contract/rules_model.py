"""Settings a model takes or refuses, as the catalog says: sampling, effort, `role: system`.

Each rule reads one field of `ModelSpec` (data/models.yaml); none names a model.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from .rules_request import RuleRequest, mapping, problem
from .rules_scan import SYSTEM_MESSAGES

_SAMPLING = ("temperature", "top_p", "top_k")
_TOP_EFFORT = ("xhigh", "max")
_TURN_ROLES = ("user", "assistant")


def rule_sampling_supported(req: RuleRequest) -> Iterator[Problem]:
    """Models from Opus 4.7 on refuse the sampling parameters outright (`temperature: 1`,
    the default, excepted); the 4.5 and 4.6 models take `temperature` or `top_p`, not both."""
    model, body = req.model, req.body
    if model is None or model.sampling == "accepted":
        return
    if model.sampling == "exclusive":
        if body.get("temperature") is not None and body.get("top_p") is not None:
            # Observed through Bedrock, which passes the API's words on.
            yield problem(
                "sampling_exclusive",
                "`temperature` and `top_p` cannot both be specified for this model.",
                "top_p",
            )
        return
    for name in _SAMPLING:
        value = body.get(name)
        if value is None or (name == "temperature" and value == 1):
            continue
        # Observed for `temperature` (LiteLLM, and reports against Sonnet 5 and Opus
        # 4.7/4.8); the same words for `top_p` and `top_k` are a guess.
        yield problem("sampling_deprecated", f"`{name}` is deprecated for this model.", name)


def rule_effort_supported(req: RuleRequest) -> Iterator[Problem]:
    effort = mapping(req.body.get("output_config")).get("effort")
    model = req.model
    if model is None or not isinstance(effort, str) or effort in model.effort:
        return
    if model.effort:
        # Observed whole on Opus 4.6 asked for `xhigh`: the levels listed alphabetically.
        levels = ", ".join(sorted(model.effort))
        message = (
            f"This model does not support effort level '{effort}'. Supported levels: {levels}."
        )
    else:
        message = "This model does not support the effort parameter."  # guess
    yield problem("effort_supported", message, "output_config.effort")


def rule_top_effort_needs_thinking(req: RuleRequest) -> Iterator[Problem]:
    """Effort above `high` needs the model to think: refused with thinking disabled on the
    models the catalog marks, and with `between_tools` thinking on any (the AI SDK lowers
    the effort for both). The API's wording for either is not public: guesses."""
    effort = mapping(req.body.get("output_config")).get("effort")
    if effort not in _TOP_EFFORT or req.model is None:
        return
    kind = req.thinking.get("type")
    if kind == "disabled" and req.model.top_effort_needs_thinking:
        yield problem(
            "top_effort_needs_thinking",
            f"Effort level '{effort}' is not supported when thinking is disabled. Enable "
            "thinking or use effort 'high' or lower.",
            "output_config.effort",
        )
    elif kind == "between_tools":
        yield problem(
            "top_effort_needs_thinking",
            f"Effort level '{effort}' is not supported with `thinking.type.between_tools`. "
            "Use effort 'high' or lower.",
            "output_config.effort",
        )


def rule_system_messages_supported(req: RuleRequest) -> Iterator[Problem]:
    """`role: "system"` inside `messages`: refused on models before Opus 4.8 and the 5
    family (pydantic-ai and LiteLLM quote the refusal); where accepted, not before the
    first turn, which belongs in the top-level `system` (LiteLLM quotes it for messages.0;
    the index for a longer leading run is a guess)."""
    if req.model is None:
        return
    messages = req.messages
    found = [i for i in req.messages_with(SYSTEM_MESSAGES) if messages[i].get("role") == "system"]
    if not found:
        return
    if not req.model.system_messages:
        yield problem(
            "system_messages_supported",
            "role 'system' is not supported on this model",
            f"messages.{found[0]}",
        )
        return
    first_turn = next(
        (i for i, m in enumerate(messages) if m.get("role") in _TURN_ROLES), len(messages)
    )
    if found[0] < first_turn:
        at = f"messages.{found[0]}"
        yield problem(
            "system_message_leading",
            f"{at}: use the top-level 'system' parameter for the initial system prompt",
            at,
        )
