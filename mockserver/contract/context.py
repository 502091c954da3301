"""What the headers of a request established, handed to every later stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

VERSION_2023 = "2023-06-01"
VERSION_2026 = "2026-10-21"
API_VERSIONS = frozenset({VERSION_2023, VERSION_2026})


class RequestContext(NamedTuple):
    """A tuple: one is made per request, and a frozen dataclass costs several times more."""

    request_id: str
    api_key: str
    version: str
    betas: frozenset[str]
    # The request's headers: names match whatever their case, a repeated one gives its
    # first value.
    headers: Mapping[str, str]
