"""All mutable server state in one object with one reset()."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .catalog import Catalog
from .config import Config
from .journal import Journal


@dataclass
class ServerState:
    config: Config
    catalog: Catalog = field(default_factory=Catalog.load)
    journal: Journal = field(default_factory=Journal)
    organization_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def reset(self) -> None:
        """Forget everything a test did: journal, cache, scenario progress."""
        self.journal.clear()
