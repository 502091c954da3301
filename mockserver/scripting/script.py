"""One scenario being played: which step is due, in which named state, for whom.

Per request the scenario is consulted in a fixed order: its `match` guard, then the
step that is due (steps are used up in order; a step that does not match does not
advance the cursor), then the standing rules (first match wins), then the fallback.

Progress is kept per *progress key* so parallel clients never take each other's steps:
by default the API key plus the `x-mock-session` header (when sent); a scenario with
`isolation: conversation` also keys on the conversation's opening (system prompt and
first message), and `isolation: shared` keeps one progress for everyone.

Matching asks each candidate only whether it matches. When none does, the request keeps
where its client stood in each script (`Place`), and the closest misses are ranked and
worded only when read (`NearMisses`): most never are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import overload

import orjson

from .conversation import Conversation
from .match import All
from .scenario import STARTED, Scenario, Step

SESSION_HEADER = "x-mock-session"


@dataclass
class Progress:
    cursor: int = 0
    used: int = 0
    state: str = STARTED


@dataclass(frozen=True)
class Hit:
    scenario: Scenario
    step: Step
    label: str


def progress_key(scenario: Scenario, conv: Conversation) -> str:
    if scenario.isolation == "shared":
        return ""
    key = conv.api_key
    if session := conv.headers.get(SESSION_HEADER):
        key += f" session={session}"
    if scenario.isolation == "conversation":
        opening = [conv.body.get("system"), conv.messages[:1]]
        digest = hashlib.sha256(json.dumps(opening, sort_keys=True, default=str).encode())
        key += f" conversation={digest.hexdigest()[:16]}"
    return key


# A step that may answer, as (kind, label, step): kind is "steps", "rules" or "fallback".
Candidate = tuple[str, str, Step]


class Plan:
    """A scenario as a script plays it: its candidates labelled once, its guard unless it
    is empty (as most are). Never changed: a script given another scenario (a test's own
    scenario grows a step at a time) makes a new plan."""

    def __init__(self, scenario: Scenario, bundled: bool) -> None:
        self.scenario = scenario
        # Bundled example scenarios rank last in near-miss reports.
        self.bundled = bundled
        self.due = [("steps", scenario.label("steps", i), s) for i, s in enumerate(scenario.steps)]
        self.standing = [
            ("rules", scenario.label("rules", i), rule) for i, rule in enumerate(scenario.rules)
        ]
        if scenario.fallback is not None:
            self.standing.append(("fallback", scenario.label("fallback"), scenario.fallback))
        empty = isinstance(scenario.match, All) and not scenario.match.parts
        self.guard = None if empty else scenario.match
        # Where every client starts (shared, as most requests come from clients still there).
        self.start: Place = (self, 0, STARTED)

    def candidates(self, cursor: int) -> list[Candidate]:
        if cursor < len(self.due):
            return [self.due[cursor], *self.standing]
        return self.standing

    def misses(self, conv: Conversation, cursor: int, state: str) -> list[tuple[int, str, Step]]:
        """The candidates that did not answer `conv` at `cursor` in `state`, each with how
        many reasons it missed by (`miss` words them)."""
        guard = self.scenario.match.miss_count(conv)
        return [
            (
                guard + (step.when_state not in (None, state)) + step.match.miss_count(conv),
                label,
                step,
            )
            for kind, label, step in self.candidates(cursor)
            if kind != "fallback" or not guard
        ]

    def miss(self, conv: Conversation, state: str, label: str, step: Step) -> str:
        """A candidate that did not answer `conv` in `state`, and why, for the report."""
        reasons = [
            *self.scenario.match.mismatches(conv),
            *_state_mismatch(step, state),
            *step.match.mismatches(conv),
        ]
        return f"{label} ({step.where}): {'; '.join(reasons)}"


# Where a client stood when a request was checked against a script: the plan, cursor and
# state its near misses depend on, taken as they were (the progress moves on, and the
# script may be given another scenario, before the misses are worded).
Place = tuple[Plan, int, str]


class Script:
    def __init__(self, scenario: Scenario, bundled: bool = False) -> None:
        self.bundled = bundled
        self._progress: dict[str, Progress] = {}
        self._plan = Plan(scenario, bundled)

    @property
    def scenario(self) -> Scenario:
        return self._plan.scenario

    @scenario.setter
    def scenario(self, scenario: Scenario) -> None:
        self._plan = Plan(scenario, self.bundled)

    def take(self, conv: Conversation) -> Hit | Place:
        """The step that answers `conv` (and the progress it makes); when none does, where
        the client stood (`near_misses` says why nothing answered there)."""
        plan = self._plan
        scenario = plan.scenario
        # In a script no client has moved on yet (most), every client is at the start.
        key = progress_key(scenario, conv) if self._progress else None
        progress = None if key is None else self._progress.get(key)
        place = plan.start if progress is None else (plan, progress.cursor, progress.state)
        guard = plan.guard
        if guard is not None and not guard.matches(conv):
            return place
        state = place[2]
        for kind, label, step in plan.candidates(place[1]):
            wanted = step.when_state
            if (wanted is None or wanted == state) and step.match.matches(conv):
                key = progress_key(scenario, conv) if key is None else key
                self._advance(key, progress or Progress(), kind, step)
                return Hit(scenario, step, label)
        return place

    def _advance(self, key: str, progress: Progress, kind: str, step: Step) -> None:
        if kind == "steps":
            progress.used += 1
            if progress.used >= step.times:
                progress.cursor, progress.used = progress.cursor + 1, 0
            if self.scenario.repeat and progress.cursor >= len(self.scenario.steps):
                progress.cursor = 0
        if step.set_state is not None:
            progress.state = step.set_state
        self._progress[key] = progress

    def unused_steps(self) -> list[str]:
        """Labels of the steps no client has reached yet."""
        reached = max((p.cursor for p in self._progress.values()), default=0)
        return [self.scenario.label("steps", i) for i in range(reached, len(self.scenario.steps))]

    def state_of(self, key: str) -> str:
        progress = self._progress.get(key)
        return progress.state if progress else STARTED

    def reset(self) -> None:
        self._progress.clear()


def _state_mismatch(step: Step, state: str) -> list[str]:
    if step.when_state is None or step.when_state == state:
        return []
    return [f"scenario state is {state!r}, the step needs {step.when_state!r}"]


def near_misses(conv: Conversation, places: list[Place]) -> list[str]:
    """Why `conv` was not answered from these places: the 3 closest misses, fewest reasons
    first (in script order among equals), bundled examples only when nothing else missed.
    Only those 3 are worded."""
    for bundled in (False, True):
        found: list[tuple[int, Plan, str, str, Step]] = []  # count, plan, state, label, step
        closest = 0
        for plan, cursor, state in places:
            if plan.bundled == bundled:
                for count, label, step in plan.misses(conv, cursor, state):
                    found.append((count, plan, state, label, step))
                    closest += count == 1
            # A miss has a reason at least: no later one can come before 3 with only one.
            if closest >= 3:
                break
        if found:
            found.sort(key=itemgetter(0))
            return [
                plan.miss(conv, state, label, step) for _, plan, state, label, step in found[:3]
            ]
    return []


class NearMisses(Sequence[str]):
    """The near misses of a request nothing answered, worded when first read: most never
    are, and wording them cost more than all the rest of answering the request."""

    def __init__(self, conv: Conversation, places: list[Place]) -> None:
        # (conversation, places), or once parked (conversation without its body, places,
        # the body's bytes); swapped whole, so a reader on another thread sees one or other.
        self._request: (
            tuple[Conversation, list[Place]] | tuple[Conversation, list[Place], bytes]
        ) = (conv, places)
        self._words: tuple[str, ...] | None = None

    def park(self, raw: bytes, body: object) -> None:
        """Hold the request as `raw`, the bytes its `body` was parsed from, instead of the
        parsed body (which the journal lets go): parsed again only if ever worded."""
        request = self._request
        if self._words is None and len(request) == 2 and request[0].body is body:
            self._request = (replace(request[0], body={}), request[1], raw)

    def words(self) -> tuple[str, ...]:
        # Two threads may word them at once; both get the same words.
        if self._words is None:
            request = self._request
            conv = (
                request[0]
                if len(request) == 2
                else replace(request[0], body=orjson.loads(request[2]))
            )
            self._words = tuple(near_misses(conv, request[1]))
        return self._words

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self.words()[index]

    def __len__(self) -> int:
        return len(self.words())

    def __iter__(self) -> Iterator[str]:
        return iter(self.words())

    def __eq__(self, other: object) -> bool:
        return self.words() == (other.words() if isinstance(other, NearMisses) else other)

    def __hash__(self) -> int:
        return hash(self.words())

    def __repr__(self) -> str:
        return repr(self.words())
