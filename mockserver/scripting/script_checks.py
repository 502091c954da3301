"""What a scripted value must be to reach the wire: checks the JSON Schema cannot make.

A scenario (a file or the admin API) and an injected fault are refused when they hold
something that would only fail later, on every request they answer: a string with a lone
surrogate (no UTF-8 encoding: each matching request was a 500), a number that is not
finite (a NaN delay never ends), or a header that breaks the response's framing (a CR or
LF in it ends the headers early and drops the connection; `content-length` and the other
framing headers are the server's to set).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

# RFC 9110 token characters: what a header name may be made of.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters but horizontal tab: none may appear in a header value.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Set by the server for each response: a scripted value would contradict the body sent.
FRAMING_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "content-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "trailer",
        "te",
    }
)

Path = tuple[str | int, ...]


def value_problems(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """(where, what) for every string with a lone surrogate and every non-finite number."""
    if isinstance(value, str):
        if not _encodable(value):
            yield path, "a string with a lone surrogate (it has no UTF-8 encoding)"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path, f"{value} is not a finite number"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and not _encodable(key):
                yield (*path, key), "a key with a lone surrogate (it has no UTF-8 encoding)"
            yield from value_problems(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from value_problems(item, (*path, i))


def header_problem(name: Any, value: Any) -> str | None:
    """Why a scripted response header cannot be sent as given; None if it can."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not a valid HTTP header name"
    if name.lower() in FRAMING_HEADERS:
        return (
            f"header {name!r} is set by the server (it frames the response) and cannot be scripted"
        )
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return f"header {name!r} must have a string or number value"
    if isinstance(value, str) and _CONTROL.search(value):
        return f"header {name!r} has a control character (CR, LF, ...) in its value"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
