"""The reply given when no scenario answers: deterministic and valid for any request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .reply import Reply

GREETING = "Hello! This is mockserver, a local stand-in for the Anthropic API."


def default_reply(body: Mapping[str, Any]) -> Reply:
    return Reply(content=({"type": "text", "text": GREETING},))
