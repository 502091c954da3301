"""How scenarios were played before matching stopped wording every reason: each candidate's
reasons computed in full, the empty list meaning "it answers", and the near misses ranked
from them. Kept as it was, as the reference the book's answers are compared with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.errors import ScenarioError
from mockserver.scripting.book import unmatched_error
from mockserver.scripting.conversation import Conversation
from mockserver.scripting.default_reply import default_reply
from mockserver.scripting.replay import replay
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import STARTED, Scenario, Step


@dataclass
class Progress:
    cursor: int = 0
    used: int = 0
    state: str = STARTED


@dataclass(frozen=True)
class Miss:
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
    if session := conv.headers.get("x-mock-session"):
        key += f" session={session}"
    if scenario.isolation == "conversation":
        opening = [conv.body.get("system"), conv.messages[:1]]
        digest = hashlib.sha256(json.dumps(opening, sort_keys=True, default=str).encode())
        key += f" conversation={digest.hexdigest()[:16]}"
    return key


@dataclass
class ReferenceScript:
    scenario: Scenario
    bundled: bool = False
    progress: dict[str, Progress] = field(default_factory=dict)

    def _candidates(self, progress: Progress) -> list[tuple[str, int, Step]]:
        scenario = self.scenario
        found = []
        if progress.cursor < len(scenario.steps):
            found.append(("steps", progress.cursor, scenario.steps[progress.cursor]))
        found += [("rules", i, rule) for i, rule in enumerate(scenario.rules)]
        return found + ([("fallback", 0, scenario.fallback)] if scenario.fallback else [])

    def take(self, conv: Conversation) -> tuple[Step, str] | list[Miss]:
        key = progress_key(self.scenario, conv)
        progress = self.progress.get(key) or Progress()
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
                return candidate, label
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
        self.progress[key] = progress


def _state_mismatch(step: Step, progress: Progress) -> list[str]:
    if step.when_state is None or step.when_state == progress.state:
        return []
    return [f"scenario state is {progress.state!r}, the step needs {step.when_state!r}"]


def rank(misses: list[Miss], limit: int = 3) -> list[Miss]:
    own = [m for m in misses if not m.bundled]
    return sorted(own or misses, key=lambda m: len(m.reasons))[:limit]


@dataclass(frozen=True)
class Expected:
    """What the book should answer: the step, whether unmatched, the near misses, the reply
    (or the scenario error's message)."""

    step: str | None
    unmatched: bool
    near_misses: tuple[str, ...]
    reply: Reply | None
    scenario_error: str | None = None


class ReferenceBook:
    """Scripts in the order a ScenarioBook consults them, played the old way."""

    def __init__(self, scripts: list[ReferenceScript], unmatched: str = "default") -> None:
        self.scripts = scripts
        self.unmatched = unmatched

    def answer(
        self, body: Mapping[str, Any], api_key: str = "", headers: Mapping[str, str] | None = None
    ) -> Expected:
        conv = Conversation(body, api_key, headers or {})
        misses: list[Miss] = []
        for script in self.scripts:
            found = script.take(conv)
            if isinstance(found, tuple):
                step, label = found
                try:
                    return Expected(label, False, (), replay(step.reply, conv, step.where))
                except ScenarioError as exc:
                    message = f"mockserver scenario error in step {label!r}: {exc}"
                    return Expected(label, False, (), None, message)
            misses += found
        near = tuple(str(m) for m in rank(misses)) if misses else ()
        if self.unmatched == "error":
            return Expected(None, True, near, Reply(error=unmatched_error(near)))
        return Expected(None, bool(self.scripts), near, default_reply(body, conv))

    def progress(self) -> list[dict[str, tuple[int, int, str]]]:
        return [
            {k: (p.cursor, p.used, p.state) for k, p in s.progress.items()} for s in self.scripts
        ]
