"""Stage 2: request bytes → a JSON object, or the API's 400 for what is wrong with them."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InvalidRequest, RequestTooLarge

# Lone UTF-16 surrogates survive Python's json.loads but are not valid JSON text for the
# API ("no low surrogate in string"); only bodies containing such escapes pay for the check.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")


def _not_json(reason: str, doc: str, pos: int) -> InvalidRequest:
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return InvalidRequest(
        f"The request body is not valid JSON: {reason}: line {line} column {column} (char {pos})"
    )


def check_content_type(content_type: str) -> None:
    # The API reads JSON bodies only. Wording unverified: no public report quotes it.
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise InvalidRequest(
            f"Invalid content type {media!r}: the request body must be JSON "
            "(content-type: application/json)"
        )


def parse_body(raw: bytes, max_bytes: int) -> dict[str, Any]:
    if len(raw) > max_bytes:
        raise RequestTooLarge()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Wording follows the API's JSON errors; the exact text for bad UTF-8 is unverified.
        raise _not_json("invalid UTF-8", raw[: exc.start].decode("utf-8"), exc.start) from None
    if not text.strip():
        raise InvalidRequest(
            "The request body is not valid JSON: expected value: line 1 column 1 (char 0)"
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(exc.msg[0].lower() + exc.msg[1:], text, exc.pos) from None
    except RecursionError:
        raise InvalidRequest("The request body is not valid JSON: nesting too deep") from None
    if _SURROGATE_ESCAPE.search(raw):
        _check_surrogates(value, text)
    if not isinstance(value, dict):
        # pydantic's wording for a model given a non-object (unverified for the API).
        raise InvalidRequest("Input should be a valid dictionary or object to extract fields from")
    return value


def _check_surrogates(value: Any, text: str) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        match = _SURROGATE_ESCAPE.search(text.encode("utf-8"))
        pos = len(text.encode("utf-8")[: match.start()].decode("utf-8")) if match else 0
        raise _not_json("no low surrogate in string", text, pos) from None
