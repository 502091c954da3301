"""The canonical form signatures are bound to, and the memo that spares recomputing it."""

from __future__ import annotations

from typing import Any

from memory_support import kept_by

from mockserver.signing.canonical import RawJsonMemo, canonical_bytes, canonical_digest


def test_ignored_fields_and_equivalent_spellings_are_one() -> None:
    plain = {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "ok"}]}
    spelled = {
        "content": "ok",
        "tool_use_id": "t",
        "type": "tool_result",
        "is_error": False,
        "cache_control": {"type": "ephemeral"},
        "caller": None,
    }
    assert canonical_bytes(plain) == canonical_bytes(spelled)
    assert canonical_digest(plain) == canonical_digest(spelled)
    assert canonical_bytes({"x": 2.0}) == canonical_bytes({"x": 2})
    assert canonical_digest({**plain, "is_error": True}) != canonical_digest(plain)


def counting_memo(budget: int) -> tuple[RawJsonMemo[int], list[Any]]:
    seen: list[Any] = []

    def compute(value: Any) -> int:
        seen.append(value)
        return len(seen)

    return RawJsonMemo(compute, budget=budget), seen


def test_memo_answers_equal_data_once() -> None:
    memo, seen = counting_memo(budget=1 << 10)
    assert memo({"a": [1, 2]}) == memo({"a": [1, 2]}) == 1
    assert memo({"a": [1, 3]}) == 2
    assert len(seen) == 2


def test_memo_holds_at_most_its_budget_oldest_out_first() -> None:
    memo, seen = counting_memo(budget=20)  # b'"aaaaaaaa"' is 10 bytes: two fit
    memo("a" * 8)
    memo("b" * 8)
    memo("c" * 8)  # pushes "a" out
    memo("b" * 8)
    assert len(seen) == 3
    memo("a" * 8)
    assert len(seen) == 4


def test_memo_computes_what_has_no_json_text() -> None:
    memo, seen = counting_memo(budget=1 << 10)
    odd = {1: "non-string key"}
    memo(odd)
    memo(odd)
    assert seen == [odd, odd]


def test_memo_holds_its_keys_at_their_length() -> None:
    # orjson's output sits in a buffer of 4 KB or more; held as is, short keys would
    # cost many times what the budget counts.
    memo, _ = counting_memo(budget=1 << 20)

    def fill() -> None:
        for k in range(200):
            memo({"k": k})

    held = kept_by(fill, "*/mockserver/signing/canonical.py")
    assert 0 < held < 200 * 400


def test_long_texts_are_found_by_their_ends_and_compared_whole() -> None:
    memo, seen = counting_memo(budget=1 << 20)
    start, end = "s" * 300, "e" * 300
    long_a, long_b = [start, "a", end], [start, "b", end]  # the same ends
    assert memo(long_a) == memo(list(long_a)) == 1
    assert memo(long_b) == 2
    assert memo(long_a) == 3  # the newer text with those ends took the place
    assert seen == [long_a, long_b, long_a]
    assert memo([start, "a", end, 0]) == 4


def test_long_texts_count_against_the_budget() -> None:
    memo, seen = counting_memo(budget=3000)
    for k in range(10):
        memo([k, "x" * 1000])
    assert memo._held <= 3000
    memo([9, "x" * 1000])
    memo([0, "x" * 1000])
    assert len(seen) == 11
