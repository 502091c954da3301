"""The matchers' quick answers (`matches`, `miss_count`) agree with their words
(`mismatches`), over generated match specs and requests."""

from __future__ import annotations

import random
from collections.abc import Iterator

from scenario_cases import match_spec, request

from mockserver.scripting.conversation import Conversation
from mockserver.scripting.match import All, AnyOf, Not, build
from mockserver.scripting.matchers import IntRange, Matcher, TextPattern


def _parts(matcher: Matcher) -> Iterator[Matcher]:
    yield matcher
    if isinstance(matcher, All | AnyOf):
        for part in matcher.parts:
            yield from _parts(part)
    elif isinstance(matcher, Not):
        yield from _parts(matcher.inner)


def test_matchers_answer_and_count_as_their_words_do() -> None:
    rng = random.Random(7)
    outcomes: dict[str, set[bool]] = {}
    for _ in range(1500):
        matcher = build(match_spec(rng))
        for _ in range(4):
            body, key, headers = request(rng)
            conv = Conversation(body, key, headers)
            for part in _parts(matcher):
                reasons = part.mismatches(conv)
                assert part.matches(conv) == (not reasons), (part, body)
                assert part.miss_count(conv) == len(reasons), (part, body)
                outcomes.setdefault(type(part).__name__, set()).add(not reasons)
    # Every kind of matcher both held and failed.
    kinds = {cls.__name__ for cls in Matcher.registry.values()} | {"All"}
    assert {k for k, seen in outcomes.items() if seen == {True, False}} == kinds


def test_text_patterns_hold_where_they_find_no_problem() -> None:
    specs: list[dict[str, object]] = [
        {"equals": "strasse", "ignore_case": True},
        {"contains": "SS", "ignore_case": True},
        {"regex": "^h", "ignore_case": True},
        {"regex": "o$"},
        {"equals": ""},
        {"contains": ""},
        {"equals": "Hello", "contains": "ell", "regex": "l+"},
        {"contains": "ÄÖ", "ignore_case": True, "regex": "ö"},
    ]
    texts = ["", "Straße", "STRASSE", "hello world", "Hello", "äö", "x\nhello"]
    for spec in specs:
        pattern = TextPattern.parse(spec, "contains")
        for text in texts:
            assert pattern.holds(text) == (pattern.problem("t", text) is None), (spec, text)


def test_int_ranges_hold_where_they_find_no_problem() -> None:
    for spec in (3, {"min": 2}, {"max": 2}, {"min": 1, "max": 3}, {"min": 3, "max": 1}):
        bounds = IntRange.parse(spec)
        for value in range(-1, 6):
            assert bounds.holds(value) == (bounds.problem("n", value) is None), (spec, value)
