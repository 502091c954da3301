"""What a test can do to a running server, in one place: MockServer's methods (Python) and
the admin HTTP API both call these, on the server's loop."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from .config import SignaturePolicy, Strictness
from .report import verify
from .report.summary import ContractReport
from .scripting.scenario import Scenario, Step
from .state import ServerState

_LEVELS: tuple[Strictness, ...] = ("strict", "warn", "off")
_POLICIES: tuple[SignaturePolicy, ...] = ("strict", "lenient")

# The name of the scenario a test grows step by step (labels read ``test/steps[0]``).
INLINE_SCENARIO = "test"


def add_scenarios(state: ServerState, scenarios: Sequence[Scenario]) -> None:
    """Play these for the running test, ahead of the session's files, until the next reset.

    Their ordered steps become required: the teardown check reports any left unused.
    """
    state.scenarios.add(*scenarios)
    tracked = state.expectations.scripts
    known = {id(script) for script in tracked}
    wanted = {id(scenario) for scenario in scenarios}
    tracked += [
        script
        for script in state.scenarios.scripts()
        if id(script.scenario) in wanted and id(script) not in known
    ]


def add_steps(state: ServerState, steps: Sequence[Step]) -> None:
    """Append ordered steps to the test's own scenario, keeping the progress made so far."""
    expected = state.expectations
    if expected.inline is None:
        scenario = Scenario(name=INLINE_SCENARIO, steps=steps)
        add_scenarios(state, [scenario])
        expected.inline = expected.scripts[-1]
        return
    # A script plays whatever scenario it holds and its cursor counts steps, so steps
    # appended at the end are reached after those already there.
    script = expected.inline
    script.scenario = replace(script.scenario, steps=(*script.scenario.steps, *steps))


def replace_scenarios(state: ServerState, scenarios: Sequence[Scenario]) -> None:
    """Drop the scenarios the test added and play these instead (every script starts over)."""
    state.scenarios.reset()
    state.expectations.scripts.clear()
    state.expectations.inline = None
    add_scenarios(state, scenarios)


def advance_clock(state: ServerState, seconds: float) -> float:
    """Move the simulated clock forward (cache TTLs); returns the new time."""
    state.clock.advance(seconds)
    return state.clock.now()


def expect_rejections(state: ServerState, request_ids: Iterable[str]) -> None:
    ids = list(request_ids)
    state.expectations.rejections.update(ids)
    state.report.expect(ids)


def set_strictness(state: ServerState, strictness: object, *, session: bool = False) -> Strictness:
    """Answer violations as the API does (strict), answer normally and record them (warn),
    or skip the semantic rules (off): until the next reset, or for good with `session`."""
    for level in _LEVELS:
        if strictness == level:
            state.strictness = level
            if session:
                state.config.strictness = level
            return level
    raise ValueError(f"strictness must be strict, warn or off, not {strictness!r}")


def set_signatures(state: ServerState, policy: object, *, session: bool = False) -> SignaturePolicy:
    """Accept and note thinking signatures this server did not mint but shaped like the
    real API's (lenient), or refuse them (strict): until the next reset, or for good."""
    for level in _POLICIES:
        if policy == level:
            state.signatures = level
            if session:
                state.config.signatures = level
            return level
    raise ValueError(f"signatures must be strict or lenient, not {policy!r}")


def contract_report(state: ServerState) -> ContractReport:
    """What every request since the server started (or the last report reset) used and broke."""
    return state.contract_report()


def reset_report(state: ServerState) -> None:
    state.reset_report()


def failures(state: ServerState, checks: verify.Checks) -> list[str]:
    """What the teardown checks find (empty: nothing wrong)."""
    return verify.failures(state.journal, checks, state.expectations)
