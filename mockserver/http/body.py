"""Stage 2: request bytes → a JSON object, or the API's 400 for what is wrong with them."""

from __future__ import annotations

from typing import Any

import orjson

from ..errors import InvalidRequest, RequestTooLarge

_PREFIX = "The request body is not valid JSON"
# What clients send: the request path lets these through without calling check_content_type.
JSON_CONTENT_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})


def check_content_type(content_type: str) -> None:
    # The API reads JSON bodies only. Wording unverified: no public report quotes it.
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise InvalidRequest(
            f"Invalid content type {media!r}: the request body must be JSON "
            "(content-type: application/json)"
        )


def parse_body(raw: bytes, max_bytes: int) -> dict[str, Any]:
    """The body as a dict.

    orjson's parse errors read as the API's do ("unexpected character", "unexpected control
    character in string", "no low surrogate in string", each with line, column and char), so
    its message is passed through.
    """
    if len(raw) > max_bytes:
        raise RequestTooLarge()
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"{_PREFIX}: {_reason(raw, exc)}") from None
    if not isinstance(value, dict):
        # pydantic's wording for a model given a non-object (unverified for the API).
        raise InvalidRequest("Input should be a valid dictionary or object to extract fields from")
    return value


def too_deep() -> InvalidRequest:
    """The error for a body too deeply nested to work through (orjson's words, no position)."""
    return InvalidRequest(f"{_PREFIX}: depth limit exceeded")


def _reason(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    if raw and exc.msg.startswith("str is not valid UTF-8"):
        # orjson reports bad UTF-8 at char 0; say where it is. Exact API text unverified.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            doc = raw[: bad.start].decode("utf-8")
            line = doc.count("\n") + 1
            column = len(doc) - (doc.rfind("\n") + 1) + 1
            return f"invalid UTF-8: line {line} column {column} (char {len(doc)})"
    return str(exc)
