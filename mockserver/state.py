"""All mutable server state in one object with one reset()."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .book import ScenarioBook, book_for
from .catalog import Catalog
from .config import Config
from .journal import Journal
from .threads import ThreadStore


@dataclass
class ServerState:
    config: Config
    catalog: Catalog = field(default_factory=Catalog.load)
    journal: Journal = field(default_factory=Journal)
    organization_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    threads: ThreadStore = field(default_factory=ThreadStore)
    # The config's scenario files (and the bundled ones), plus those added from Python.
    scenarios: ScenarioBook = field(init=False)

    def __post_init__(self) -> None:
        self.scenarios = book_for(self.config)

    def reset(self) -> None:
        """Forget everything a test did: journal, cache, scenario progress."""
        self.journal.clear()
        self.scenarios.reset()
        self.threads.clear()
