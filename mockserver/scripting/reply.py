"""What "the model" says for one request, before the server turns it into a Message.

Scenario files and the Python API both build these; the default reply does too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ApiError
from .stream_plan import DEFAULT_STREAM, StreamPlan


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
    # One shared plan (it is frozen): a default built per reply costs every request.
    stream: StreamPlan = DEFAULT_STREAM

    @staticmethod
    def text(text: str, **pins: Any) -> Reply:
        """One text block: ``Reply.text("Sunny, 24°C.")``."""
        return Reply(content=({"type": "text", "text": text},), **pins)

    @staticmethod
    def blocks(*content: Mapping[str, Any], **pins: Any) -> Reply:
        """Full content blocks in order, e.g. thinking, text and tool_use."""
        return Reply(content=tuple(dict(b) for b in content), **pins)

    @staticmethod
    def tool_use(
        name: str, input: Mapping[str, Any] | None = None, *, text: str | None = None
    ) -> Reply:
        """A client tool call (after an optional text block); the server mints the id."""
        blocks: list[Mapping[str, Any]] = [{"type": "text", "text": text}] if text else []
        blocks.append({"type": "tool_use", "name": name, "input": dict(input or {})})
        return Reply(content=tuple(blocks))

    @staticmethod
    def refusal(
        text: str = "", *, category: str | None = None, explanation: str | None = None
    ) -> Reply:
        """stop_reason `refusal` with its stop_details (category may be None, as the API sends)."""
        details = {"type": "refusal", "category": category, "explanation": explanation}
        content = ({"type": "text", "text": text},) if text else ()
        return Reply(content=content, stop_reason="refusal", stop_details=details)

    @staticmethod
    def http_error(
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An error answer, e.g. ``Reply.http_error(429, headers={"retry-after": "1"})``."""
        error = ErrorReply(status, message, error_type, dict(headers or {}), details)
        return Reply(error=error, delay=delay)
