"""Why a reply stops, and the content as the API would return it at that point.

Generation limits apply to the scripted content as they would to the model's:
- a requested stop sequence inside a text block ends the reply just before it
  (``stop_sequence``; the sequence itself is not returned, later blocks are dropped);
- a reply longer than ``max_tokens`` is cut at that many output tokens
  (``max_tokens``, and ``output_tokens`` equals the limit): text and thinking are cut
  mid-way; a tool call cut short keeps the top-level input fields that were
  complete, which is what a client's partial-JSON parse of the streamed input
  yields (``{}`` when none were);
- ``max_tokens: 0`` is a cache pre-warm: no content at all;
- otherwise ``tool_use`` when the last block is a tool call, else ``end_turn``.
A pinned stop reason (``pause_turn``, ``refusal`` with its stop_details,
``model_context_window_exceeded`` …) replaces the derived one unless a limit above
cut the reply first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Problem
from .tokens import Tokenizer, block_output_tokens, count_output, tool_call_tokens


class Finished(NamedTuple):
    """A tuple rather than a frozen dataclass: one is made per reply."""

    content: list[dict[str, Any]]
    stop_reason: str
    stop_sequence: str | None
    stop_details: Mapping[str, Any] | None
    output_tokens: int
    thinking_tokens: int


def finish(
    content: Sequence[Mapping[str, Any]],
    request: Mapping[str, Any],
    tokenizer: Tokenizer,
    *,
    stop_reason: str | None = None,
    stop_details: Mapping[str, Any] | None = None,
) -> Finished:
    """Apply stop sequences and ``max_tokens`` to `content`; pick the stop reason."""
    limit = request.get("max_tokens")
    # Parsed JSON: an int is exactly an int (and a bool is not one).
    budget = limit if type(limit) is int else None
    if budget is not None and budget <= 0:
        return Finished([], "max_tokens", None, None, 0, 0)
    given = request.get("stop_sequences")
    sequences = (
        [s for s in given if isinstance(s, str) and s]
        if given is not None and isinstance(given, list)
        else ()
    )
    kept: list[dict[str, Any]] = []
    spent = thinking = 0
    for block in content:
        out = dict(block)
        if sequences and out.get("type") == "text":
            text = str(out.get("text", ""))
            found = _first_stop(text, sequences)
            if found is not None:
                out["text"] = text[: found[0]]
                cost = tokenizer.count(out["text"]) + tokenizer.count(found[1])
                if budget is not None and spent + cost > budget:
                    kept.extend(_cut(out, budget - spent, tokenizer))
                    return _finished(kept, "max_tokens", tokenizer, output_tokens=budget)
                kept.extend([out] if out["text"] else [])
                return _finished(
                    kept, "stop_sequence", tokenizer, sequence=found[1], output_tokens=spent + cost
                )
        counted = block_output_tokens(out, tokenizer)
        if budget is not None and spent + counted.total > budget:
            kept.extend(_cut(out, budget - spent, tokenizer))
            return _finished(kept, "max_tokens", tokenizer, output_tokens=budget)
        kept.append(out)
        spent += counted.total
        thinking += counted.thinking
    if stop_reason is None:
        last = kept[-1].get("type") if kept else None
        stop_reason = "tool_use" if last == "tool_use" else "end_turn"
    pinned_sequence = sequences[0] if stop_reason == "stop_sequence" and sequences else None
    return Finished(kept, stop_reason, pinned_sequence, stop_details, spent, thinking)


def check_context_window(
    total_input_tokens: int, context_window: int, max_tokens: int | None = None
) -> Problem | None:
    """The 400 the API answers when the prompt does not fit the model; with `max_tokens`
    (models before Sonnet 4.5), when the prompt and the whole output budget do not."""
    if total_input_tokens > context_window:
        return Problem(
            f"prompt is too long: {total_input_tokens} tokens > {context_window} maximum",
            "context_window",
        )
    if max_tokens is None or total_input_tokens + max_tokens <= context_window:
        return None
    # The figures part is observed (Claude Code and gateways parse it); the advice after
    # the comma is as reports quote it, backticks restored by analogy (unverified).
    return Problem(
        f"input length and `max_tokens` exceed context limit: {total_input_tokens} + "
        f"{max_tokens} > {context_window}, decrease input length or `max_tokens` and try again",
        "context_window",
        "max_tokens",
    )


def _finished(
    content: list[dict[str, Any]],
    reason: str,
    tokenizer: Tokenizer,
    *,
    sequence: str | None = None,
    details: Mapping[str, Any] | None = None,
    output_tokens: int | None = None,
) -> Finished:
    counted = count_output(content, tokenizer)
    total = counted.total if output_tokens is None else output_tokens
    return Finished(content, reason, sequence, details, total, min(counted.thinking, total))


def _first_stop(text: str, sequences: Sequence[str]) -> tuple[int, str] | None:
    hits = [(text.find(s), s) for s in sequences]
    found = [(i, s) for i, s in hits if i >= 0]
    return min(found, key=lambda hit: hit[0]) if found else None


def _cut(block: dict[str, Any], room: int, tokenizer: Tokenizer) -> list[dict[str, Any]]:
    """The block as far as `room` output tokens got it (nothing if not started)."""
    kind = block.get("type")
    if room <= 0:
        return []
    if kind in ("text", "thinking"):
        block[kind] = _prefix_within(str(block.get(kind, "")), room, tokenizer)
        return [block] if block[kind] else []
    if kind in ("tool_use", "server_tool_use"):
        given = block.get("input")
        partial: dict[str, Any] = {}
        block["input"] = partial
        for key, value in given.items() if isinstance(given, Mapping) else ():
            partial[key] = value
            if tool_call_tokens(block, tokenizer) > room:
                del partial[key]
                break
        return [block]
    return []


def _prefix_within(text: str, room: int, tokenizer: Tokenizer) -> str:
    """The longest prefix of `text` that counts at most `room` tokens."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if tokenizer.count(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low]
