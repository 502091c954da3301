"""What "the model" says for one request, before the server turns it into a Message.

Scenario files and the Python API both build these; the default reply does too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .stream_plan import StreamPlan


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error instead of a message (status, the API's error type, headers)."""

    status: int
    message: str | None = None
    error_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] | None = None

    def to_error(self) -> ApiError:
        return ApiError.of(
            self.status, self.message, self.error_type, headers=self.headers, details=self.details
        )


@dataclass(frozen=True)
class Reply:
    # Response content blocks as the API shapes them; ids and signatures may be left
    # out, the server mints them.
    content: tuple[Mapping[str, Any], ...] = ()
    # Pinned values; when None the server derives them from the content and request.
    stop_reason: str | None = None
    stop_details: Mapping[str, Any] | None = None
    usage: Mapping[str, Any] | None = None
    error: ErrorReply | None = None
    # Seconds to wait before answering (before the first byte of a stream too).
    delay: float = 0.0
    stream: StreamPlan = field(default_factory=StreamPlan)
