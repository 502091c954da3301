"""Credentials as the journal keeps them: a short digest of the key, never the key.

The journal is served over HTTP (`GET /_mock/journal`) and often printed in failure
messages; a digest still tells two clients' keys apart. The key is digested as the server
reads it (trimmed), so `x-api-key: K` and `Authorization: Bearer K` show the same digest.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

_KEY_HEADERS = ("x-api-key",)
# Sent as "<scheme> <credentials>": the scheme stays (the report counts bearer clients).
_SCHEME_HEADERS = ("authorization", "proxy-authorization")


@lru_cache(maxsize=256)
def key_digest(key: str) -> str:
    """What the journal shows for `key`: ``sha256:`` and the first 8 hex digits."""
    digest = hashlib.sha256(key.strip().encode("utf-8", "backslashreplace")).hexdigest()
    return f"sha256:{digest[:8]}"


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` (names lower-cased) with their credentials replaced by digests, in place."""
    for name in _KEY_HEADERS:
        if value := headers.get(name):
            headers[name] = key_digest(value)
    for name in _SCHEME_HEADERS:
        if value := headers.get(name):
            scheme, space, credentials = value.partition(" ")
            headers[name] = f"{scheme} {key_digest(credentials)}" if space else key_digest(value)
    return headers
