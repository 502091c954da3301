"""A create body read and checked: the batch itself is refused only where the API refuses it.

Each request's `params` is checked when that request runs (an invalid one becomes an
`errored` result); here only the envelope: `requests`, each `custom_id`, `params` an object.
Messages follow the API's pydantic wording for the same faults elsewhere.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from ..errors import InvalidRequest, RequestTooLarge
from ..http.body import parse_body
from ..report.held_size import held_size

# The API's limit for a batch create body (its Messages limit is 32 MB).
MAX_BATCH_BYTES = 256 * 1024 * 1024
MAX_REQUESTS = 100_000
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_CUSTOM_ID_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
_NOT_OBJECT = "Input should be a valid dictionary or object to extract fields from"


async def read_body(request: web.Request) -> tuple[dict[str, Any], int]:
    """The parsed body and what it holds in memory (held_size); read here, not by
    `request.read()`, whose limit is the app's (the Messages one)."""
    declared = request.content_length
    if declared is not None and declared > MAX_BATCH_BYTES:
        raise RequestTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            raise RequestTooLarge()
        chunks.append(chunk)
    raw = b"".join(chunks)
    return parse_body(raw, MAX_BATCH_BYTES), held_size(raw)


def batch_requests(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`(custom_id, params)` for each request, or the 400 the API answers the body with."""
    for key in body:
        if key != "requests":
            raise InvalidRequest(f"{key}: Extra inputs are not permitted")
    if "requests" not in body:
        raise InvalidRequest("requests: Field required")
    requests = body["requests"]
    if not isinstance(requests, list):
        raise InvalidRequest("requests: Input should be a valid list")
    if not requests:
        raise InvalidRequest("requests: List should have at least 1 item after validation, not 0")
    if len(requests) > MAX_REQUESTS:
        raise InvalidRequest(
            f"requests: List should have at most {MAX_REQUESTS} items after validation, "
            f"not {len(requests)}"
        )
    checked = [_request(n, r) for n, r in enumerate(requests)]
    seen: set[str] = set()
    for custom_id, _ in checked:
        if custom_id in seen:
            # Wording unverified: the API refuses a repeated custom_id, its message is a guess.
            raise InvalidRequest(
                f"requests: custom_id must be unique within a batch; {custom_id!r} is repeated"
            )
        seen.add(custom_id)
    return checked


def _request(n: int, request: Any) -> tuple[str, dict[str, Any]]:
    where = f"requests.{n}"
    if not isinstance(request, dict):
        raise InvalidRequest(f"{where}: {_NOT_OBJECT}")
    for key in request:
        if key not in ("custom_id", "params"):
            raise InvalidRequest(f"{where}.{key}: Extra inputs are not permitted")
    for key in ("custom_id", "params"):
        if key not in request:
            raise InvalidRequest(f"{where}.{key}: Field required")
    custom_id, params = request["custom_id"], request["params"]
    if not isinstance(custom_id, str):
        raise InvalidRequest(f"{where}.custom_id: Input should be a valid string")
    if not CUSTOM_ID.fullmatch(custom_id):
        raise InvalidRequest(
            f"{where}.custom_id: String should match pattern '{_CUSTOM_ID_PATTERN}'"
        )
    if not isinstance(params, dict):
        raise InvalidRequest(f"{where}.params: {_NOT_OBJECT}")
    return custom_id, params
