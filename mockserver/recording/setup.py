"""Putting a record mode into force on a server: what it loads, forwards and records."""

from __future__ import annotations

from pathlib import Path

from ..control import add_scenarios
from ..scripting.loader import load_scenarios
from ..state import ServerState
from .modes import RecordMode, ViolationPolicy, exists, plan
from .recorder import Recorder
from .redaction import Redaction


class NoUpstream(ValueError):
    """The mode must record, and no upstream was given."""


def recorder_for(
    state: ServerState,
    target: Path | None,
    *,
    mode: RecordMode,
    upstream: str | None,
    redaction: Redaction,
    violations: ViolationPolicy,
    for_test: bool,
) -> Recorder | None:
    """Load what the mode replays; the recorder for what it forwards (None: nothing is).

    `for_test`: the recording is the running test's (dropped at the next reset), else the
    server's for its lifetime (and reloaded when its files change).
    """
    if target is None:
        # Proxy only: everything forwarded, nothing written.
        return None if upstream is None else Recorder(upstream, violations=violations)
    recorded = exists(target)
    how = plan(mode, recorded)
    if how.replay:
        if for_test:
            add_scenarios(state, load_scenarios([target]))
        else:
            state.scenarios.watch_roots([target])
    if how.forward == "none":
        # A request the recording does not hold is an error naming the closest steps.
        state.scenarios.unmatched = "error"
        if not for_test:
            state.base_unmatched = "error"
        return None
    if upstream is None:
        raise NoUpstream(
            f"record mode {mode!r} must record {target} ("
            + ("it does not exist yet" if not recorded else "it records again")
            + "), and no upstream is set (--upstream, MOCKSERVER_UPSTREAM)"
        )
    return Recorder(
        upstream,
        forward=how.forward,
        cassette=target,
        redaction=redaction,
        violations=violations,
        append=how.replay,
    )
