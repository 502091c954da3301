"""What a scenario file says, as frozen dataclasses: YAML and Python build the same objects.

>>> Scenario(
...     name="weather",
...     steps=[
...         step(Reply.tool_use("get_weather", {"city": "Paris"}), last_user_text="weather"),
...         step("Sunny, 24°C.", tool_result="get_weather"),
...     ],
... )
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .match import All, build, match
from .matchers import Matcher
from .reply import Reply

# The state every client starts in (WireMock's name for it).
STARTED = "Started"

# Whose progress through the steps is kept apart: each client (API key, plus the
# `x-mock-session` header when sent), each conversation of a client, or one for all.
Isolation = Literal["client", "conversation", "shared"]
ISOLATIONS: tuple[Isolation, ...] = ("client", "conversation", "shared")


@dataclass(frozen=True)
class Step:
    """A reply and when to give it. In `steps` it answers `times` requests, in order;
    in `rules` it answers every request it matches."""

    reply: Reply
    match: Matcher = field(default_factory=All)
    name: str | None = None
    # Named states: the step applies only in `when_state`, and moves the client to `set_state`.
    when_state: str | None = None
    set_state: str | None = None
    times: int = 1
    source: str = "<python>"
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "match", _matcher(self.match))
        if self.times < 1:
            raise ValueError("Step.times must be at least 1")

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


@dataclass(frozen=True)
class Scenario:
    """Ordered `steps` (each used up in turn), standing `rules` (first match wins) and a
    `fallback`, all behind an optional `match` every request must pass first."""

    name: str = "scenario"
    steps: Sequence[Step] = ()
    rules: Sequence[Step] = ()
    fallback: Step | None = None
    match: Matcher = field(default_factory=All)
    isolation: Isolation = "client"
    # Start the steps over once the last one is used (demos that run again and again).
    repeat: bool = False
    description: str = ""
    source: str = "<python>"
    line: int | None = None
    # Thinking / redacted_thinking blocks of the replies whose tokens came from the real API
    # (a recording): the server trusts them on load, so a replay sent back is verified.
    trusted: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "trusted", tuple(self.trusted))
        # Lists are welcome from Python; stored as tuples so a Scenario stays immutable.
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "match", _matcher(self.match))
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"Scenario.isolation must be one of {', '.join(ISOLATIONS)}")

    def label(self, kind: str, index: int = 0) -> str:
        """How the journal names a step: ``weather/ask`` or ``weather/steps[0]``."""
        item = (
            self.fallback
            if kind == "fallback"
            else (self.steps if kind == "steps" else self.rules)[index]
        )
        default = "fallback" if kind == "fallback" else f"{kind}[{index}]"
        return f"{self.name}/{item.name if item and item.name else default}"


def _matcher(value: object) -> Matcher:
    """A dict of YAML match keys is welcome where a Matcher is expected."""
    if isinstance(value, Matcher):
        return value
    if isinstance(value, Mapping):
        return build(value)
    raise TypeError(f"expected a Matcher or a mapping of match keys, got {type(value).__name__}")


def step(
    reply: Reply | str,
    /,
    *,
    name: str | None = None,
    when_state: str | None = None,
    set_state: str | None = None,
    times: int = 1,
    **match_keys: Any,
) -> Step:
    """A Step from a reply (a string is a text reply) and the YAML match keys as keywords."""
    answer = Reply.text(reply) if isinstance(reply, str) else reply
    return Step(answer, match(**match_keys), name, when_state, set_state, times)


# A rule is built the same way; the name says where it goes.
rule = step
