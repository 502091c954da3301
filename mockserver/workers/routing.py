"""Which worker serves a connection: the one its API key hashes to.

All of one key's traffic reaching one worker is what keeps per-key state exact (scenario
progress, the prompt cache, rate limits, threads, files): each lives in the worker's memory.
"""

from __future__ import annotations

import hashlib

# The worker of connections whose first request carries no key (the admin API, the
# inspector page, `HEAD /`): always the same one, so the inspector shows one journal.
KEYLESS_WORKER = 0


def worker_for(api_key: str | None, count: int) -> int:
    """The worker (0 … count-1) that serves `api_key`, the same in every run."""
    if not api_key:
        return KEYLESS_WORKER
    # A fixed hash, not Python's hash(): that one is salted per process.
    digest = hashlib.blake2b(api_key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def api_key_of(head: bytes) -> str | None:
    """The API key in a request head (`x-api-key`, else `Authorization: Bearer`), as the
    Messages door reads it; None when there is none."""
    bearer = None
    for line in head.split(b"\r\n")[1:]:
        if not line:
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"x-api-key" and value.strip():
            return value.strip().decode("latin-1")
        if name == b"authorization":
            scheme, _, token = value.strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                bearer = token.strip().decode("latin-1")
    return bearer
