"""The errors for a file id that names no file, or one past its expiry."""

from __future__ import annotations

from ..errors import ApiError, NotFound


def file_not_found(file_id: str) -> NotFound:
    # Wording unverified: the API's text for an unknown (or another workspace's) file.
    return NotFound(f"File not found: {file_id}")


def file_expired(file_id: str) -> ApiError:
    # The status and error_code are the SDK's (FileExpiredError); the wording is a guess.
    return ApiError.of(404, f"File has expired: {file_id}", details={"error_code": "file_expired"})
