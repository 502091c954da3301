"""What the headers of a request established, handed to every later stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VERSION_2023 = "2023-06-01"
VERSION_2026 = "2026-10-21"
API_VERSIONS = frozenset({VERSION_2023, VERSION_2026})


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    api_key: str
    version: str
    betas: frozenset[str]
    # Lower-cased header names; the first value of each.
    headers: Mapping[str, str]

    @property
    def is_beta(self) -> bool:
        return bool(self.betas)
