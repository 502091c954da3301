"""One scenario being played: which step is due, in which named state, for whom.

Per request the scenario is consulted in a fixed order: its `match` guard, then the
step that is due (steps are used up in order; a step that does not match does not
advance the cursor), then the standing rules (first match wins), then the fallback.

Progress is kept per *progress key* so parallel clients never take each other's steps:
by default the API key plus the `x-mock-session` header (when sent); a scenario with
`isolation: conversation` also keys on the conversation's opening (system prompt and
first message), and `isolation: shared` keeps one progress for everyone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .conversation import Conversation
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


@dataclass(frozen=True)
class Miss:
    """A step or rule that did not answer, and why (for the near-miss report)."""

    label: str
    where: str
    reasons: tuple[str, ...]
    bundled: bool = False

    def __str__(self) -> str:
        return f"{self.label} ({self.where}): {'; '.join(self.reasons)}"


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


@dataclass
class Script:
    scenario: Scenario
    # Bundled example scenarios rank last in near-miss reports.
    bundled: bool = False
    _progress: dict[str, Progress] = field(default_factory=dict)

    def _candidates(self, progress: Progress) -> list[tuple[str, int, Step]]:
        scenario = self.scenario
        found = []
        if progress.cursor < len(scenario.steps):
            found.append(("steps", progress.cursor, scenario.steps[progress.cursor]))
        found += [("rules", i, rule) for i, rule in enumerate(scenario.rules)]
        return found + ([("fallback", 0, scenario.fallback)] if scenario.fallback else [])

    def take(self, conv: Conversation) -> Hit | list[Miss]:
        """The step that answers `conv` (and the progress it makes), or why none does."""
        key = progress_key(self.scenario, conv)
        progress = self._progress.get(key) or Progress()
        guard = self.scenario.match.mismatches(conv)
        misses: list[Miss] = []
        for kind, index, candidate in self._candidates(progress):
            reasons = [
                *guard,
                *_state_mismatch(candidate, progress),
                *candidate.match.mismatches(conv),
            ]
            label = self.scenario.label(kind, index)
            if not reasons:
                self._advance(key, progress, kind, candidate)
                return Hit(self.scenario, candidate, label)
            if kind != "fallback" or not guard:
                misses.append(Miss(label, candidate.where, tuple(reasons), self.bundled))
        return misses

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


def _state_mismatch(step: Step, progress: Progress) -> list[str]:
    if step.when_state is None or step.when_state == progress.state:
        return []
    return [f"scenario state is {progress.state!r}, the step needs {step.when_state!r}"]


def rank(misses: list[Miss], limit: int = 3) -> list[Miss]:
    """The closest misses, fewest reasons first; bundled examples only when nothing else missed."""
    own = [m for m in misses if not m.bundled]
    return sorted(own or misses, key=lambda m: len(m.reasons))[:limit]
