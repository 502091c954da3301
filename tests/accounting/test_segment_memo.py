"""The segment memo gives exactly what pricing the prompt afresh gives."""

from __future__ import annotations

import copy
import datetime
import json
import random
from hashlib import blake2b
from typing import Any

import orjson

from mockserver.accounting.cache import PromptCache
from mockserver.accounting.content_key import ContentKey, prefix_digests
from mockserver.accounting.segment import Segment
from mockserver.accounting.segment_memo import Prompt, SegmentMemo, prefix_chain
from mockserver.accounting.tokens import HeuristicTokenizer, input_segments
from mockserver.clock import Clock

CC = {"type": "ephemeral"}


class FreshTokenizer:
    """The same counts without the memo (only the default tokenizer has one)."""

    def __init__(self) -> None:
        self.count = HeuristicTokenizer().count


def fresh(body: dict[str, Any]) -> list[Segment]:
    return input_segments(body, FreshTokenizer())


def facts(segments: list[Segment]) -> list[tuple[Any, ...]]:
    return [
        (s.section, s.path, s.kind, s.tokens, s.key, s.cache_control, s.is_block) for s in segments
    ]


def digests(segments: list[Segment]) -> list[str]:
    return [d.hex() for d in prefix_chain(segments, len(segments))[: len(segments)]]


def assert_same(remembered: list[Segment], body: dict[str, Any]) -> None:
    expected = fresh(body)
    assert facts(remembered) == facts(expected)
    assert digests(remembered) == [d.hex() for d in prefix_digests(s.key for s in expected)]


def turn(role: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "content": [{"type": "text", "text": text, **extra}]}


def agent(*texts: str) -> dict[str, Any]:
    messages = [turn("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)]
    body = {
        "model": "m",
        "max_tokens": 10,
        "tools": [{"name": "read", "input_schema": {"type": "object"}}],
        "system": [{"type": "text", "text": "Be brief.", "cache_control": CC}],
        "thinking": {"type": "adaptive"},
        "messages": messages,
    }
    parsed: dict[str, Any] = json.loads(json.dumps(body))  # as a request body parses
    return parsed


def test_a_resent_prompt_reuses_its_segments() -> None:
    tokenizer = HeuristicTokenizer()
    first = input_segments(agent("hi", "hello", "go on"), tokenizer)
    again = input_segments(agent("hi", "hello", "go on"), tokenizer)
    assert isinstance(again, Prompt)
    assert [s.content_key for s in again] == [s.content_key for s in first]
    assert all(a is b for a, b in zip(again[:-1], first[:-1], strict=True))
    assert_same(again, agent("hi", "hello", "go on"))


def test_a_changed_message_is_priced_again() -> None:
    tokenizer = HeuristicTokenizer()
    input_segments(agent("hi", "hello", "go on"), tokenizer)
    changed = agent("hi", "hello there, a longer reply", "go on")
    assert_same(input_segments(changed, tokenizer), changed)


def test_long_parts_alike_at_both_ends_are_told_apart() -> None:
    # Long parts are found by their first and last bytes, then compared whole.
    tokenizer = HeuristicTokenizer()
    pad = "x " * 400
    for middle in ("one", "two words", "one"):
        body = agent(f"{pad}{middle}{pad}", "hello", f"{pad}go {middle}{pad}")
        body["system"][0]["text"] = f"{pad}{middle}{pad}"
        assert_same(input_segments(body, tokenizer), body)


def test_a_message_at_another_position_gets_its_own_paths() -> None:
    tokenizer = HeuristicTokenizer()
    input_segments(agent("hi", "hello", "go on"), tokenizer)
    moved = agent("first", "then", "hi", "hello", "go on")
    remembered = input_segments(moved, tokenizer)
    assert [s.path for s in remembered if s.is_block][-1] == "messages.4.content.0"
    assert_same(remembered, moved)


def test_a_changed_neighbour_changes_the_prefix_digests_after_it() -> None:
    tokenizer = HeuristicTokenizer()
    before = input_segments(agent("hi", "hello", "go on"), tokenizer)
    body = agent("HI", "hello", "go on")
    after = input_segments(body, tokenizer)
    assert after[-2].key == before[-2].key  # the last message is the same...
    assert digests(after)[-2] != digests(before)[-2]  # ...after another prefix
    assert_same(after, body)


def test_settings_tools_and_system_are_part_of_the_prefix() -> None:
    tokenizer = HeuristicTokenizer()
    base = agent("hi", "hello", "go on")
    input_segments(base, tokenizer)
    variants = [
        {**base, "thinking": {"type": "disabled"}},
        {**base, "tool_choice": {"type": "any"}},
        {**base, "tools": [{"name": "write", "input_schema": {"type": "object"}}]},
        {**base, "system": "Be long."},
        {**base, "cache_control": CC},
    ]
    for body in variants:
        assert_same(input_segments(body, tokenizer), body)


def test_later_changes_to_a_request_do_not_reach_the_memo() -> None:
    tokenizer = HeuristicTokenizer()
    body = agent("hi", "hello", "go on")
    input_segments(body, tokenizer)
    body["messages"][1]["content"][0]["text"] = "changed after pricing"
    body["system"][0]["cache_control"]["ttl"] = "1h"
    original = agent("hi", "hello", "go on")
    assert_same(input_segments(original, tokenizer), original)


def test_data_that_is_not_plain_json_is_priced_afresh() -> None:
    tokenizer = HeuristicTokenizer()
    body = agent("hi", "hello")
    when = {"at": datetime.date(2025, 1, 2)}
    use = {"type": "tool_use", "id": "t", "name": "read", "input": when}
    body["messages"].append({"role": "assistant", "content": [use]})
    remembered = input_segments(body, tokenizer)
    assert not isinstance(remembered, Prompt)
    assert facts(remembered) == facts(fresh(body))


def test_a_tiny_budget_keeps_the_answers_right() -> None:
    tokenizer = HeuristicTokenizer()
    tokenizer.prompts = SegmentMemo(budget=200)
    texts = ["hi"]
    for i in range(12):
        texts += [f"reply {i}", f"next {i}"]
        body = agent(*texts)
        assert_same(input_segments(body, tokenizer), body)


def test_growing_conversations_with_edits_price_and_cache_as_afresh() -> None:
    rng = random.Random(7)
    tokenizer = HeuristicTokenizer()
    remembered_cache, fresh_cache = PromptCache(Clock()), PromptCache(Clock())
    conversations = [agent("start 0"), agent("start 1")]
    for step in range(300):
        body = rng.choice(conversations)
        messages = body["messages"]
        for message in messages:
            message["content"][-1].pop("cache_control", None)
        edit = rng.random()
        if edit < 0.6:
            messages += [turn("assistant", f"r{step} " * rng.randint(1, 40)), turn("user", "ok")]
        elif edit < 0.7:
            messages[rng.randrange(len(messages))]["content"][0]["text"] += " edited"
        elif edit < 0.8 and len(messages) > 2:
            del messages[rng.randrange(len(messages))]
        elif edit < 0.9:
            messages.insert(rng.randrange(len(messages) + 1), turn("user", "inserted"))
        else:
            body["thinking"] = rng.choice([None, {"type": "adaptive"}])
        messages[-1]["content"][-1]["cache_control"] = CC
        sent = json.loads(json.dumps(body))
        segments = input_segments(sent, tokenizer)
        assert_same(segments, sent)
        options: dict[str, Any] = {"write": True, "message_id": f"m{step}"}
        options["diagnostics"] = {"previous_message_id": f"m{step - 1}"}
        assert remembered_cache.account("k", "m", segments, 20, **options) == fresh_cache.account(
            "k", "m", fresh(copy.deepcopy(sent)), 20, **options
        )


def test_a_long_blocks_key_is_its_digest_whether_remembered_or_not() -> None:
    text = "A long reminder, resent with every session. " * 200
    block = {"type": "text", "text": text, "cache_control": CC}
    expected = blake2b(
        orjson.dumps({"type": "text", "text": text}, option=orjson.OPT_SORT_KEYS),
        digest_size=12,
    ).hexdigest()
    assert ContentKey(block).value == expected
    assert ContentKey(json.loads(json.dumps(block))).value == expected  # found again
    other = {"type": "text", "text": text[:-1] + "!"}
    assert ContentKey(other).value not in (expected, ContentKey(block).value)
    assert ContentKey(other).value == ContentKey(dict(other)).value
