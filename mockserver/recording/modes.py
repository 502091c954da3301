"""Record modes (as vcrpy names them): what a recording answers and what goes upstream."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple, get_args

RecordMode = Literal["none", "once", "new", "all"]
RECORD_MODES: tuple[str, ...] = get_args(RecordMode)
# A contract violation in `strict`: answered here without forwarding, or forwarded anyway
# (and reported either way).
ViolationPolicy = Literal["answer", "forward"]
VIOLATION_POLICIES: tuple[str, ...] = get_args(ViolationPolicy)
Forward = Literal["all", "unmatched", "none"]


class Plan(NamedTuple):
    """What a server does with a recording under one mode."""

    # Load the recording and answer from it.
    replay: bool
    # Which requests go upstream (and are recorded).
    forward: Forward


def exists(target: Path) -> bool:
    """A recording is there: the file, or a folder holding at least one scenario file."""
    if target.is_dir():
        return any(p.suffix in (".yaml", ".yml") for p in target.iterdir())
    return target.is_file()


def plan(mode: RecordMode, recorded: bool) -> Plan:
    if mode == "none":
        return Plan(True, "none")
    if mode == "once":
        return Plan(True, "none") if recorded else Plan(False, "all")
    if mode == "new":
        return Plan(recorded, "unmatched" if recorded else "all")
    if mode == "all":
        return Plan(False, "all")
    raise ValueError(f"record mode must be one of {', '.join(RECORD_MODES)}, not {mode!r}")
