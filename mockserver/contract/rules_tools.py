"""Client tool calls and their results must pair up across adjacent turns.

The API merges consecutive same-role messages before it pairs them, so a `tool_result`
may sit in the second of two user messages; system-role messages in between are
transparent. Indices in the messages are those of the request as sent: the message
holding the first unanswered `tool_use`, and the first unexpected `tool_result` block.
Server tools (`server_tool_use` and its `*_tool_result` in the same assistant turn)
pair within that turn and are not checked here.

A final assistant turn is not checked: nothing follows it yet. The turns hold which of
their pairs may be broken (`rules_turns`): only those are looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from ..errors import Problem
from .rules_request import RuleRequest, problem
from .rules_turns import answered, expected

_ID = itemgetter(2)


def rule_tool_use_ids_unique(req: RuleRequest) -> Iterator[Problem]:
    """No two calls of one assistant turn share an id (observed: anthropics/claude-code
    #28515 and others, all within one message; whether ids repeated across turns are
    refused too is not known, so they are let through)."""
    turns = req.turn_state.turns
    for k in req.turn_state.repeated:
        seen: set[str | None] = set()
        for i, j, tool_id in turns[k].uses:
            if tool_id in seen:
                yield problem(
                    "tool_use_ids_unique",
                    f"messages.{i}.content.{j}: tool_use ids must be unique",
                    f"messages.{i}.content.{j}",
                )
                return
            seen.add(tool_id)


def rule_tool_use_answered(req: RuleRequest) -> Iterator[Problem]:
    state = req.turn_state
    turns = state.turns
    for k in state.maybe_unanswered():
        if answered(turns, k):
            continue
        turn = turns[k]
        # Only results the next turn starts with answer: after a text block they are late.
        answered_ids = set(map(_ID, turns[k + 1].led))
        missing = [(i, tool_id) for i, _, tool_id in turn.uses if tool_id not in answered_ids]
        ids = ", ".join(dict.fromkeys(str(tool_id) for _, tool_id in missing))
        i = missing[0][0]
        yield problem(
            "tool_use_answered",
            f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {ids}. Each `tool_use` block must have a corresponding "
            "`tool_result` block in the next message.",
            f"messages.{i}",
        )


def rule_tool_result_expected(req: RuleRequest) -> Iterator[Problem]:
    state = req.turn_state
    turns = state.turns
    for k in state.maybe_unexpected():
        if expected(turns, k):
            continue
        turn = turns[k]
        offered = set(map(_ID, turns[k - 1].uses)) if k > 0 else set()
        unexpected = [result for result in turn.results if result[2] not in offered]
        ids = ", ".join(dict.fromkeys(str(tool_id) for _, _, tool_id in unexpected))
        i, j, _ = unexpected[0]
        yield problem(
            "tool_result_expected",
            f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
            f"blocks: {ids}. Each `tool_result` block must have a corresponding `tool_use` "
            "block in the previous message.",
            f"messages.{i}.content.{j}",
        )
