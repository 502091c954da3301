"""Errors on the OpenAI door: OpenAI's envelope, and the conversion's own 400."""

from __future__ import annotations

from typing import Any

from ..errors import ApiError, InvalidRequest


class BadParam(InvalidRequest):
    """A request the conversion cannot take, naming the parameter at fault."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def envelope(error: ApiError, request_id: str | None) -> dict[str, Any]:
    """`{"error": {message, type, param, code}}`: the shape the OpenAI SDK reads.

    The type keeps the Anthropic name for the status (invalid_request_error,
    authentication_error, rate_limit_error, ... are OpenAI's names too); `code` stays null:
    which codes the compatibility layer sends is not documented.
    """
    return {
        "error": {
            "message": error.message,
            "type": error.type,
            "param": getattr(error, "param", None),
            "code": None,
        }
    }
