"""Odd input never makes a rule raise: every value of a rich body swapped for wrong types."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from rules_support import model, problems
from test_rules_client_shapes import OPUS, _claude_code_requests

from mockserver.contract.context import VERSION_2023

ODD_VALUES: list[Any] = [
    None,
    True,
    -1,
    1.5,
    "x",
    "",
    [],
    {},
    [None],
    [7],
    {"type": 3},
    {"type": "thinking"},
]


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*at, index))


def _replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(body)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def test_no_rule_raises_on_wrong_types_anywhere() -> None:
    body = _claude_code_requests()[3]
    body["thinking"] = {"type": "enabled", "budget_tokens": 2048}
    body["tool_choice"] = {"type": "any"}
    rng = random.Random(20261121)
    paths = list(_paths(body))
    checked = 0
    for path in rng.sample(paths, min(len(paths), 120)):
        for value in ODD_VALUES:
            odd = _replaced(body, path, value)
            if not isinstance(odd, dict):
                continue
            for spec in (OPUS, model("claude-haiku-4-5"), None):
                found = problems(odd, model_spec=spec, version=VERSION_2023)
                assert isinstance(found, list)
                checked += 1
    assert checked > 1000
