"""A segment of the prompt: the unit the token count, the prompt cache and the memo share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from .content_key import ContentKey

Section = Literal["tools", "system", "messages"]


class Segment(NamedTuple):
    """One cacheable unit of the prompt, or an overhead the API adds (``is_block=False``).

    A tuple rather than a dataclass: a long conversation makes hundreds per request.
    """

    section: Section
    path: str
    kind: str
    tokens: int
    content_key: ContentKey
    cache_control: Mapping[str, Any] | None = None
    is_block: bool = True

    @property
    def key(self) -> str:
        """The content's key (content_key.py): equal content, equal key."""
        return self.content_key.value
