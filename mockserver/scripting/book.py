"""The scenarios a server plays, and the one question the handler asks: what is the reply?

Scenarios are consulted in order — those added from Python (newest test first), then the
files named in the config, then the bundled examples — and the first one that answers
wins. When none does, the policy decides: the default reply, or a 400 naming the closest
steps and why each did not match.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..config import Config, UnmatchedPolicy
from ..errors import ScenarioError
from ..resources import scenarios_dir
from ..signing.signer import Signer
from .conversation import Conversation
from .default_reply import default_reply
from .loader import load_file, load_scenarios, scenario_files
from .replay import replay
from .reply import ErrorReply, Reply
from .scenario import Scenario
from .script import Hit, NearMisses, Place, Script, near_misses

log = logging.getLogger("mockserver.scenarios")

# The `error.details.error_code` of the unmatched answer, for tests that look for it.
UNMATCHED_CODE = "mockserver_unmatched"


class Answer(NamedTuple):
    """The reply for one request, and what the journal records about how it was chosen."""

    reply: Reply
    step: str | None = None
    # Scenarios were loaded but none answered (the default reply or the unmatched error did).
    unmatched: bool = False
    # Worded when first read (`NearMisses`): the journal seldom asks.
    near_misses: Sequence[str] = ()
    # The answering step could not be served (e.g. it calls a tool the request lacks).
    scenario_error: str | None = None


@dataclass
class _File:
    stamp: tuple[int, int]
    scripts: list[Script]


class ScenarioBook:
    """All loaded scenarios with their progress. Safe to use from the test thread."""

    def __init__(
        self, unmatched: UnmatchedPolicy = "default", signer: Signer | None = None
    ) -> None:
        self.unmatched: UnmatchedPolicy = unmatched
        # Trusts the recorded thinking tokens a scenario lists, whenever it is (re)loaded.
        self.signer = signer
        self._lock = threading.RLock()
        self._roots: list[tuple[Path, bool]] = []
        self._files: dict[Path, _File] = {}
        self._added: list[Script] = []
        # `_added`, then the files' scripts, as a request consults them: kept, rather than
        # listed for every request.
        self._all: list[Script] = []
        # The modification time of each file's broken version, so it is reported once.
        self._bad: dict[Path, tuple[int, int]] = {}
        # The latest problem of each file that failed to (re)load; cleared when it loads.
        self.errors: dict[Path, ScenarioError] = {}

    # -- loading -----------------------------------------------------------------------

    def watch_roots(self, paths: Iterable[Path], *, bundled: bool = False) -> None:
        """Load these files and folders now, and again whenever `refresh()` finds a change.

        A broken file is logged and skipped; on a reload its last good version stays.
        """
        with self._lock:
            self._roots += [(Path(p), bundled) for p in paths]
        self.refresh()

    def refresh(self) -> list[Path]:
        """Reload the files that changed, appeared or vanished; returns those reloaded.

        Files are read and parsed without the lock, which every request takes while
        scenarios are loaded: a large file must not hold up the server's loop.
        """
        seen: dict[Path, bool] = {}
        for root, bundled in list(self._roots):
            try:
                seen.update(dict.fromkeys(scenario_files([root]), bundled))
            except ScenarioError as exc:
                self._fail(root, exc)
        loaded = {
            path: found for path, bundled in seen.items() if (found := self._load(path, bundled))
        }
        with self._lock:
            changed = [gone for gone in self._files if gone not in seen]
            for path, found in loaded.items():
                self._files[path] = found
                changed.append(path)
            # Keep the order of the roots, whatever order files were (re)loaded in.
            self._files = {p: self._files[p] for p in seen if p in self._files}
            self._remake()
        return changed

    def _load(self, path: Path, bundled: bool) -> _File | None:
        """The file's scenarios if it changed since last read and loads; else None."""
        try:
            info = path.stat()
        except OSError:
            return None
        # Size too: two writes within the clock's resolution still differ in it.
        stamp = (info.st_mtime_ns, info.st_size)
        known = self._files.get(path)
        if (known is not None and known.stamp == stamp) or self._bad.get(path) == stamp:
            return None
        try:
            scenarios = load_file(path)
        except ScenarioError as exc:
            self._bad[path] = stamp
            self._fail(path, exc)
            return None
        self.errors.pop(path, None)
        self._bad.pop(path, None)
        # The bundled examples load on every plain start: one summary line says so (book_for);
        # the user's own files, and every reload, are worth a line each.
        level = logging.DEBUG if bundled and known is None else logging.INFO
        log.log(level, "loaded %d scenario(s) from %s", len(scenarios), path)
        return _File(stamp, [Script(s, bundled) for s in scenarios])

    def _fail(self, path: Path, exc: ScenarioError) -> None:
        self.errors[path] = exc
        log.error("scenario not loaded: %s", exc)

    def add(self, *scenarios: Scenario) -> None:
        """Play these scenarios too, ahead of the ones loaded from files, until `reset()`."""
        with self._lock:
            self._added[:0] = [Script(s) for s in scenarios]
            self._remake()

    def load(self, *paths: Path | str) -> list[Scenario]:
        """Load YAML files or folders (raising ScenarioError) and `add()` them."""
        scenarios = load_scenarios(paths)
        self.add(*scenarios)
        return scenarios

    def reset(self) -> None:
        """Drop the scenarios added since the last reset; every script starts over."""
        with self._lock:
            self._added.clear()
            self._remake()
            for script in self._all:
                script.reset()

    def _remake(self) -> None:
        self._all = [*self._added, *(s for f in self._files.values() for s in f.scripts)]
        if self.signer is not None:
            for script in self._all:
                if script.scenario.trusted:
                    self.signer.trust_all(script.scenario.trusted)

    def scripts(self) -> list[Script]:
        return list(self._all)

    @property
    def scenarios(self) -> list[Scenario]:
        return [s.scenario for s in self.scripts()]

    def unused_steps(self) -> list[str]:
        """Ordered steps no client reached (labels like ``weather/answer``)."""
        return [label for s in self.scripts() if not s.bundled for label in s.unused_steps()]

    # -- answering ---------------------------------------------------------------------

    def answer(
        self,
        body: Mapping[str, Any],
        api_key: str = "",
        headers: Mapping[str, str] | None = None,
        default_thinking: str = "disabled",
        api: str = "anthropic",
    ) -> Answer:
        """`default_thinking`: the thinking mode of the model named when the request sets none;
        `api`: the door the request came through (`anthropic` or `openai`)."""
        # Most servers have no scenario at all: asked without the lock.
        if not self._all:
            if self.unmatched == "default":
                return Answer(default_reply(body, default_thinking=default_thinking))
            return Answer(Reply(error=unmatched_error(())), None, True)
        conv = Conversation(body, api_key, headers or {}, default_thinking, api)
        places: list[Place] = []
        with self._lock:
            for script in self._all:
                found = script.take(conv)
                if isinstance(found, Hit):
                    return self._serve(found, conv)
                places.append(found)
        if self.unmatched == "error":
            near = tuple(near_misses(conv, places))
            return Answer(Reply(error=unmatched_error(near)), None, True, near)
        reply = default_reply(body, conv, default_thinking=default_thinking)
        return Answer(reply, None, True, NearMisses(conv, places))

    def _serve(self, hit: Hit, conv: Conversation) -> Answer:
        try:
            return Answer(replay(hit.step.reply, conv, hit.step.where), hit.label)
        except ScenarioError as exc:
            message = f"mockserver scenario error in step {hit.label!r}: {exc}"
            log.error("%s", message)
            # Not retried: the SDKs would otherwise send it twice more and use up later steps.
            error = ErrorReply(500, message, "api_error", {"x-should-retry": "false"})
            return Answer(Reply(error=error), hit.label, scenario_error=message)


def book_for(config: Config, signer: Signer | None = None) -> ScenarioBook:
    """The scenarios a server starts with: the config's files and folders, then the bundled."""
    book = ScenarioBook(config.unmatched, signer)
    book.watch_roots(config.scenario_paths)
    if config.bundled_scenarios:
        before = len(book.scripts())
        book.watch_roots([scenarios_dir()], bundled=True)
        log.info(
            "loaded %d bundled scenarios from %s", len(book.scripts()) - before, scenarios_dir()
        )
    return book


def unmatched_error(near_misses: tuple[str, ...]) -> ErrorReply:
    closest = " ".join(f"[{i}] {m}." for i, m in enumerate(near_misses, 1))
    message = "mockserver: no scenario step or rule matched this request." + (
        f" Closest: {closest}" if closest else " No scenario is loaded."
    )
    return ErrorReply(400, message, "invalid_request_error", details={"error_code": UNMATCHED_CODE})
