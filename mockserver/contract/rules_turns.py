"""The turns of a conversation, and which of them may break the tool-pairing rules.

The API merges consecutive same-role messages into one turn (system-role messages in
between neither start nor break one) and pairs each assistant turn's tool calls with
the next turn's results. Turns are built from the messages' scans (`rules_scan`) and
grown message by message, so the turns of a conversation's first messages, remembered
(`rules_history`), grow into those of a longer one. A pair of turns is checked once,
when neither turn can change any more; the pairing rules re-check only the pairs found
broken and those with the open last turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import NamedTuple

from .rules_scan import MessageScan

# A tool_use or tool_result block of a turn: (message, index, id), the id being the one it
# pairs by (a use's `id`, a result's `tool_use_id`; None unless a string).
ToolBlock = tuple[int, int, "str | None"]

# The id a tool block pairs by; `map` with it checks whole turns without a Python loop.
_ID = itemgetter(2)


class Turn(NamedTuple):
    """Consecutive same-role messages, merged as the API merges them. Shared: read only."""

    role: str
    messages: tuple[int, ...]
    uses: tuple[ToolBlock, ...]
    results: tuple[ToolBlock, ...]
    # The turn an assistant turn's tool loop starts with: walking back over (tool results,
    # assistant turn) pairs, as far as they go. A user turn's own index.
    loop_start: int
    # The results the turn starts with (before any other block): the only ones the API
    # takes as answers to the calls of the turn before. `lead_open`: so far the turn holds
    # nothing else, so a result in its next message leads too.
    led: tuple[ToolBlock, ...]
    lead_open: bool


class TurnState(NamedTuple):
    """The turns, and the settled pairs of them (neither turn can change) that are broken."""

    turns: tuple[Turn, ...]
    unanswered: tuple[int, ...]  # assistant turns with a call the next turn does not answer
    unexpected: tuple[int, ...]  # user turns with a result the turn before did not ask for
    repeated: tuple[int, ...]  # turns with two calls of the same id

    def maybe_unanswered(self) -> tuple[int, ...]:
        """The turns whose calls may lack a result in the next turn, in order."""
        n = len(self.turns)
        return (*self.unanswered, n - 2) if n >= 2 else self.unanswered

    def maybe_unexpected(self) -> tuple[int, ...]:
        """The turns whose results may lack a call in the turn before, in order."""
        n = len(self.turns)
        return (*self.unexpected, n - 1) if n else self.unexpected


def answered(turns: Sequence[Turn], k: int) -> bool:
    """Whether turn `k` (not the last), if an assistant turn with tool calls, has each
    answered in the next turn."""
    turn = turns[k]
    if turn.role != "assistant" or not turn.uses:
        return True
    return set(map(_ID, turns[k + 1].led)).issuperset(map(_ID, turn.uses))


def expected(turns: Sequence[Turn], k: int) -> bool:
    """Whether turn `k`, if a user turn with tool results, has each asked for by the turn
    before."""
    turn = turns[k]
    if turn.role != "user" or not turn.results:
        return True
    offered = set(map(_ID, turns[k - 1].uses)) if k > 0 else set()
    return offered.issuperset(map(_ID, turn.results))


def _repeats_an_id(turn: Turn) -> bool:
    uses = turn.uses
    return len(uses) > 1 and len(set(map(_ID, uses))) < len(uses)


NO_TURNS = TurnState((), (), (), ())


def grow(state: TurnState, scans: Iterable[MessageScan], start: int) -> TurnState:
    """`state` (the turns of the messages before `start`) with the messages from `start` on
    added, as scanned."""
    turns = list(state.turns)
    for i, scan in enumerate(scans, start):
        role = scan.role
        if role is None:
            continue
        uses = tuple([(i, j, tool_id) for j, tool_id in scan.uses]) if scan.uses else ()
        results = tuple([(i, j, tool_id) for j, tool_id in scan.results]) if scan.results else ()
        if turns and turns[-1].role == role:
            last = turns[-1]
            led, lead_open = last.led, last.lead_open
            if lead_open:
                led, lead_open = led + results[: scan.lead], scan.all_results
            turns[-1] = Turn(
                role,
                (*last.messages, i),
                last.uses + uses,
                last.results + results,
                last.loop_start,
                led,
                lead_open,
            )
            continue
        k = len(turns)
        loop_start = k
        # Turns alternate roles: the turn before an assistant turn is a user turn.
        if role == "assistant" and k >= 2 and turns[k - 1].results:
            loop_start = turns[k - 2].loop_start
        turns.append(
            Turn(role, (i,), uses, results, loop_start, results[: scan.lead], scan.all_results)
        )
    old, n = len(state.turns), len(turns)
    unanswered = tuple(k for k in range(max(old - 2, 0), n - 2) if not answered(turns, k))
    unexpected = tuple(k for k in range(max(old - 1, 0), n - 1) if not expected(turns, k))
    # The last turn of `state` may have grown: its calls are looked at again.
    settled = tuple(k for k in state.repeated if k < old - 1)
    repeated = tuple(k for k in range(max(old - 1, 0), n) if _repeats_an_id(turns[k]))
    return TurnState(
        tuple(turns),
        state.unanswered + unanswered,
        state.unexpected + unexpected,
        settled + repeated,
    )
