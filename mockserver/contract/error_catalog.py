"""What the API sends with an error beyond its status, type and default message (errors.py).

- A rate-limit 429 always carries `retry-after` (whole seconds until the request would
  fit); a scripted 429 that names no wait gets `DEFAULT_RETRY_AFTER_SECONDS`.
- An overloaded 529 carries no `retry-after`: clients report them bare and fall back
  to their own backoff (the SDKs' 0.5 s, 1 s, 2 s, ...).
- `x-should-retry: true` on 408, 409, 429 and 5xx is added by the envelope (envelope.py).

`retry-after-ms` is the SDKs' finer-grained wait. The API is not seen to send it, so it
is only added when a test asks for a wait that whole seconds cannot express, which
keeps retry tests fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..errors import ApiError
from ..scripting.reply import ErrorReply

DEFAULT_RETRY_AFTER_SECONDS = 1
RATE_LIMITS_DOCS = "https://docs.claude.com/en/api/rate-limits"
CONTACT_SALES = "https://claude.com/contact-sales"


def retry_after_headers(seconds: float) -> dict[str, str]:
    """`retry-after` in whole seconds (rounded up), plus `retry-after-ms` for a finer wait."""
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError("retry_after must be a finite number of seconds >= 0")
    headers = {"retry-after": str(math.ceil(seconds))}
    if seconds != math.ceil(seconds):
        headers["retry-after-ms"] = f"{seconds * 1000:g}"
    return headers


def default_headers(status: int) -> dict[str, str]:
    """The headers the API sends with an error of `status` (beyond request-id and the like)."""
    if status == 429:
        return retry_after_headers(DEFAULT_RETRY_AFTER_SECONDS)
    return {}


def with_default_headers(status: int, headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` as given, completed by the status's defaults (given names win, any case)."""
    given = {name.lower() for name in headers}
    defaults = default_headers(status)
    if given & {"retry-after", "retry-after-ms"}:
        # A wait the test chose replaces the default one whole, in either unit.
        defaults = {k: v for k, v in defaults.items() if not k.startswith("retry-after")}
    return {**{k: v for k, v in defaults.items() if k not in given}, **headers}


def scripted_error(error: ErrorReply) -> ApiError:
    """The ApiError for a scripted or injected error, with the headers the API would send."""
    return ApiError.of(
        error.status,
        error.message,
        error.error_type,
        headers=with_default_headers(error.status, error.headers),
        details=error.details,
    )


def rate_limit_message(limit: int, unit: str, org_id: str, model: str) -> str:
    """The API's 429 wording; `unit` is "requests", "input tokens" or "output tokens"."""
    return (
        f"This request would exceed your organization's rate limit of {limit:,} {unit} per "
        f"minute (org: {org_id}, model: {model}). For details, refer to: {RATE_LIMITS_DOCS}. "
        "You can see the response headers for current usage. Please reduce the prompt length "
        "or the maximum tokens requested, or try again later. You may also contact sales at "
        f"{CONTACT_SALES} to discuss your options for a rate limit increase."
    )
