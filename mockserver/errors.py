"""Error kinds the API answers with, and the problems validation collects.

One table of `ApiError` subclasses, one wrapper renders them (envelope.py);
no handler builds error JSON itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, worded as the real API words it.

    `message` is the full client-facing text (e.g. ``max_tokens: Field required``);
    `rule` names what found it (``schema`` or a semantic rule's name), so the journal
    and the contract report can group violations.
    """

    message: str
    rule: str = "schema"
    path: str = ""
    status: int = 400
    error_type: str = "invalid_request_error"
    details: Mapping[str, Any] | None = None

    def to_error(self) -> ApiError:
        return ApiError.of(self.status, self.message, self.error_type, details=self.details)


class ApiError(Exception):
    """An error answered in the Anthropic envelope. Subclasses fix status and type."""

    status: ClassVar[int] = 500
    error_type: ClassVar[str] = "api_error"
    default_message: ClassVar[str] = "Internal server error"
    # The connection cannot carry another request after this answer (its body is unread).
    closes_connection: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.headers = dict(headers or {})
        self.details = dict(details) if details else None
        super().__init__(self.message)

    @staticmethod
    def of(
        status: int,
        message: str | None = None,
        error_type: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ApiError:
        """The error for a status, with the type the API pairs with it unless given."""
        cls = ERRORS_BY_STATUS.get(status, ApiError)
        err = cls(message, headers=headers, details=details)
        if cls is ApiError or (error_type and error_type != cls.error_type):
            err = _Custom(status, error_type or cls.error_type, err.message, headers, details)
        return err

    @property
    def status_code(self) -> int:
        return type(self).status

    @property
    def type(self) -> str:
        return type(self).error_type

    def body(self, request_id: str | None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"type": "error", "error": error, "request_id": request_id}


class _Custom(ApiError):
    """A status/type pair outside the table (scripted errors may pick any)."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        headers: Mapping[str, str] | None,
        details: Mapping[str, Any] | None,
    ) -> None:
        super().__init__(message, headers=headers, details=details)
        self._status = status
        self._type = error_type

    @property
    def status_code(self) -> int:
        return self._status

    @property
    def type(self) -> str:
        return self._type


class InvalidRequest(ApiError):
    status = 400
    error_type = "invalid_request_error"
    default_message = "Invalid request"


class Authentication(ApiError):
    status = 401
    error_type = "authentication_error"
    default_message = "Authentication error"


class Billing(ApiError):
    status = 402
    error_type = "billing_error"
    default_message = "Billing error"


class PermissionDenied(ApiError):
    status = 403
    error_type = "permission_error"
    default_message = "Permission denied"


class NotFound(ApiError):
    status = 404
    error_type = "not_found_error"
    default_message = "Not found"


class MethodNotAllowed(ApiError):
    # The API answers a wrong method with 405 in the usual envelope; the type is the
    # generic one it uses for other 4xx statuses.
    status = 405
    error_type = "invalid_request_error"
    default_message = "Method not allowed"


class Conflict(ApiError):
    status = 409
    error_type = "conflict_error"
    default_message = "Conflict"


class RequestTooLarge(ApiError):
    """413 comes from the edge proxy, in its own shape (no top-level type, no request id)."""

    status = 413
    error_type = "request_too_large"
    default_message = "Request exceeds the maximum size"

    def body(self, request_id: str | None) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message}}


class RateLimited(ApiError):
    status = 429
    error_type = "rate_limit_error"
    default_message = "Rate limited"


class UndecodableBody(InvalidRequest):
    """A body its Content-Encoding does not decode; the rest of it cannot be framed."""

    closes_connection = True


class RequestTimeout(ApiError):
    """A body that did not arrive in time (a client sending a byte a second, or stalled).

    The API's front end answers such a request itself: status and wording are a guess.
    """

    status = 408
    error_type = "timeout_error"
    default_message = "Request timeout: the request body was not received in time"
    closes_connection = True


class ClientGone(Exception):
    """The client closed the connection before its request body had arrived."""


class InternalServer(ApiError):
    status = 500
    error_type = "api_error"
    default_message = "Internal server error"


class GatewayTimeout(ApiError):
    status = 504
    error_type = "timeout_error"
    default_message = "Request timeout"


class Overloaded(ApiError):
    status = 529
    error_type = "overloaded_error"
    default_message = "Overloaded"


ERRORS_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        InvalidRequest,
        Authentication,
        Billing,
        PermissionDenied,
        NotFound,
        MethodNotAllowed,
        Conflict,
        RequestTooLarge,
        RateLimited,
        InternalServer,
        GatewayTimeout,
        Overloaded,
    )
}

ERROR_TYPES_BY_STATUS: dict[int, str] = {s: c.error_type for s, c in ERRORS_BY_STATUS.items()}


# Not frozen: Python sets __traceback__ on exceptions as they propagate.
@dataclass
class ScenarioError(Exception):
    """A scenario file or step is wrong: for the scenario author, with file and line."""

    message: str
    source: str = "<python>"
    line: int | None = None
    hints: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"
