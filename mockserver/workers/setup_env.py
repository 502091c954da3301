"""What the supervisor tells each worker: which it is, where its peers are, and what all
must share (the seed of thinking signatures, the organization id)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

# The environment variable that carries it (the seed stays out of the process list).
SETUP_ENV = "MOCKSERVER_WORKER"


@dataclass(frozen=True)
class Setup:
    index: int
    count: int
    # The private folder holding every worker's admin socket and, at exit, its report.
    folder: str
    # The worker's end of its hand-off channel (an inherited file descriptor).
    channel: int
    seed: str
    organization_id: str
    # The public port's address, for requests passed on to another worker (forward.py).
    url: str

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> Setup:
        return cls(**json.loads(text))


def report_path(folder: Path, worker: int) -> Path:
    """Where a worker leaves its contract report (JSON) when it stops."""
    return folder / f"report-{worker}.json"
