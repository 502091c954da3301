"""Invalid requests made from valid ones: each mutation breaks one thing a client could get
wrong, from a wrong type deep in the body to bytes that are not JSON at all."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# A string this long still fits the body limit many times over, and is a real client's
# pasted file rather than a toy.
HUGE = 2_000_000
_ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        -1,
        0,
        2**63,
        -(2**63) - 1,
        10**40,
        1e308,
        -0.0,
        0.5,
        "",
        "\u0000",
        "\ud7ff\ue000",
        "x" * 300,
        [],
        {},
        [[[]]],
        {"type": None},
    ]
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `value` (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


def _parent(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        body = body[key]
    return body


def _copy(body: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(body))
    return copied


@st.composite
def mutated_json(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with one value replaced, removed or added to."""
    body = _copy(body)
    where = paths(body)
    if not where:
        body[draw(st.text(max_size=8))] = draw(_ODD_VALUES)
        return body
    path = draw(st.sampled_from(where))
    parent = _parent(body, path)
    key = path[-1]
    action = draw(st.sampled_from(["replace", "remove", "extra", "deepen", "huge", "number"]))
    if action == "replace":
        parent[key] = draw(_ODD_VALUES)
    elif action == "remove":
        del parent[key]
    elif action == "extra":
        target = parent if isinstance(parent, dict) else body
        target[draw(st.text(min_size=1, max_size=12))] = draw(_ODD_VALUES)
    elif action == "deepen":
        depth = draw(st.integers(1, 1_200))
        value: Any = parent[key]
        for _ in range(depth):
            value = [value] if draw(st.booleans()) else {"x": value}
        parent[key] = value
    elif action == "huge":
        parent[key] = "y" * draw(st.integers(HUGE // 4, HUGE))
    else:
        parent[key] = draw(st.sampled_from([-(10**20), 10**20, 1.5, -1, 2**31, 2**64]))
    return body


@st.composite
def broken_bytes(draw: st.DrawFn, body: dict[str, Any]) -> bytes:
    """The serialized body with its bytes damaged, or re-encoded as a client should not."""
    raw = json.dumps(body).encode()
    action = draw(st.sampled_from(["cut", "flip", "insert", "utf16", "latin1", "bom", "nest"]))
    if action == "cut":
        return raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    if action == "flip":
        at = draw(st.integers(0, len(raw) - 1))
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    if action == "insert":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    if action == "utf16":
        return json.dumps(body).encode("utf-16")
    if action == "latin1":
        return json.dumps(body, ensure_ascii=False).encode("latin-1", "replace") + b"\xe9\xff"
    if action == "bom":
        return b"\xef\xbb\xbf" + raw
    depth = draw(st.integers(100, 5_000))
    return b"[" * depth + b"]" * draw(st.sampled_from([0, depth]))
