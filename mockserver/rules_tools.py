"""Client tool calls and their results must pair up across adjacent turns.

The API merges consecutive same-role messages before it pairs them, so a `tool_result`
may sit in the second of two user messages; system-role messages in between are
transparent. Indices in the messages are those of the request as sent: the message
holding the first unanswered `tool_use`, and the first unexpected `tool_result` block.
Server tools (`server_tool_use` and its `*_tool_result` in the same assistant turn)
pair within that turn and are not checked here.

A final assistant turn is not checked: nothing follows it yet.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import Problem
from .rules_request import Entry, RuleRequest, Turn, problem


def rule_tool_use_answered(req: RuleRequest) -> Iterator[Problem]:
    turns = req.turns
    for k, turn in enumerate(turns[:-1]):
        if turn.role != "assistant":
            continue
        uses = _of_type(turn, "tool_use")
        answered = {_result_id(e) for e in _of_type(turns[k + 1], "tool_result")}
        missing = [e for e in uses if _use_id(e) not in answered]
        if missing:
            ids = ", ".join(dict.fromkeys(str(_use_id(e)) for e in missing))
            i = missing[0].message
            yield problem(
                "tool_use_answered",
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {ids}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message.",
                f"messages.{i}",
            )


def rule_tool_result_expected(req: RuleRequest) -> Iterator[Problem]:
    turns = req.turns
    for k, turn in enumerate(turns):
        if turn.role != "user":
            continue
        previous = turns[k - 1] if k > 0 else None
        offered = {_use_id(e) for e in _of_type(previous, "tool_use")} if previous else set()
        unexpected = [e for e in _of_type(turn, "tool_result") if _result_id(e) not in offered]
        if unexpected:
            ids = ", ".join(dict.fromkeys(str(_result_id(e)) for e in unexpected))
            first = unexpected[0]
            yield problem(
                "tool_result_expected",
                f"messages.{first.message}.content.{first.index}: unexpected `tool_use_id` found "
                f"in `tool_result` blocks: {ids}. Each `tool_result` block must have a "
                "corresponding `tool_use` block in the previous message.",
                f"messages.{first.message}.content.{first.index}",
            )


def _of_type(turn: Turn, kind: str) -> list[Entry]:
    return [e for e in turn.entries if e.block.get("type") == kind]


def _use_id(entry: Entry) -> str | None:
    value = entry.block.get("id")
    return value if isinstance(value, str) else None


def _result_id(entry: Entry) -> str | None:
    value = entry.block.get("tool_use_id")
    return value if isinstance(value, str) else None
