from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from mockserver.accounting.cache import CacheUsage, PromptCache, cache_problems
from mockserver.accounting.segment import Segment
from mockserver.accounting.tokens import HeuristicTokenizer, input_segments
from mockserver.clock import Clock

TOKENIZER = HeuristicTokenizer()
MINIMUM = 1024
EPHEMERAL = {"type": "ephemeral"}
LONG = "Follow the house style guide for every answer you write. " * 250  # ~2,500 tokens


def request(
    *turns: str, system: str = LONG, ttl: str | None = None, mark_last: bool = False, **extra: Any
) -> dict[str, Any]:
    cc = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    messages: list[dict[str, Any]] = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": [{"type": "text", "text": t}]}
        for i, t in enumerate(turns or ("hello",))
    ]
    if mark_last:
        messages[-1]["content"][0]["cache_control"] = EPHEMERAL
    return {
        "model": "m",
        "max_tokens": 100,
        "system": [{"type": "text", "text": system, "cache_control": cc}],
        "messages": messages,
        **extra,
    }


def segments(body: dict[str, Any]) -> list[Segment]:
    return input_segments(body, TOKENIZER)


@pytest.fixture
def cache() -> PromptCache:
    return PromptCache(Clock())


def account(cache: PromptCache, body: dict[str, Any], **options: Any) -> CacheUsage:
    options.setdefault("write", True)
    return cache.account(
        options.pop("api_key", "key"), body["model"], segments(body), MINIMUM, **options
    )


def total(usage: CacheUsage) -> int:
    return usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens


def test_same_request_twice_writes_then_reads_the_same_size(cache: PromptCache) -> None:
    first = account(cache, request())
    second = account(cache, request())
    assert first.cache_creation_input_tokens > MINIMUM
    assert first.cache_read_input_tokens == 0
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.cache_creation_input_tokens == 0
    assert second.input_tokens == first.input_tokens
    assert total(first) == total(second) == sum(s.tokens for s in segments(request()))
    assert first.ephemeral_5m_input_tokens == first.cache_creation_input_tokens


def test_changed_prefix_misses(cache: PromptCache) -> None:
    account(cache, request())
    changed = account(cache, request(system=LONG + " Today is Tuesday."))
    assert changed.cache_read_input_tokens == 0
    assert changed.cache_creation_input_tokens > MINIMUM


def test_growing_conversation_reads_the_previous_breakpoint(cache: PromptCache) -> None:
    first = account(cache, request("q1", mark_last=True))
    longer = account(cache, request("q1", "a1", "q2", mark_last=True))
    assert longer.cache_read_input_tokens == first.cache_creation_input_tokens
    assert longer.cache_creation_input_tokens > 0
    assert longer.input_tokens == first.input_tokens  # only the reply primer is uncached


def test_lookback_window_with_cacheable_prefix(cache: PromptCache) -> None:
    turns = [f"turn {i}" for i in range(31)]
    written = account(cache, request(*turns[:5], mark_last=True))
    within = account(cache, request(*turns[:25], mark_last=True), write=False)
    beyond = account(cache, request(*turns[:26], mark_last=True), write=False)
    # The entry ends at block 5 (system + 5 messages); a breakpoint on block 25
    # looks back to block 5, one on block 26 only to block 6.
    assert within.cache_read_input_tokens == written.cache_creation_input_tokens
    system = sum(s.tokens for s in segments(request()) if s.section == "system")
    assert beyond.cache_read_input_tokens == system


@pytest.mark.parametrize(("ttl", "lifetime"), [(None, 300), ("5m", 300), ("1h", 3600)])
def test_entries_expire_after_their_ttl(cache: PromptCache, ttl: str | None, lifetime: int) -> None:
    first = account(cache, request(ttl=ttl))
    cache.clock.advance(lifetime - 1)
    assert account(cache, request(ttl=ttl), write=False).cache_read_input_tokens > 0
    cache.clock.advance(2)
    expired = account(cache, request(ttl=ttl))
    assert expired.cache_read_input_tokens == 0
    assert expired.cache_creation_input_tokens == first.cache_creation_input_tokens
    if ttl == "1h":
        assert first.ephemeral_1h_input_tokens == first.cache_creation_input_tokens
        assert first.ephemeral_5m_input_tokens == 0


def test_an_expired_entry_written_again_starts_afresh(cache: PromptCache) -> None:
    account(cache, request(ttl="1h"))
    cache.clock.advance(3599)
    assert account(cache, request(ttl="1h"), write=False).cache_read_input_tokens > 0
    cache.clock.advance(2)
    rewritten = account(cache, request())  # with 5 minutes, not the old hour
    assert rewritten.cache_read_input_tokens == 0
    cache.clock.advance(200)
    assert account(cache, request()).cache_read_input_tokens > 0  # a read keeps 5 minutes
    cache.clock.advance(301)
    assert account(cache, request(), write=False).cache_read_input_tokens == 0
    assert len(cache) == 0


def test_reads_refresh_the_ttl(cache: PromptCache) -> None:
    account(cache, request())
    cache.clock.advance(200)
    assert account(cache, request()).cache_read_input_tokens > 0
    cache.clock.advance(200)  # 400 s after the write, 200 s after the read
    assert account(cache, request()).cache_read_input_tokens > 0


def test_prompt_below_minimum_is_not_cached(cache: PromptCache) -> None:
    small = request(system="Be brief.")
    for _ in range(2):
        usage = account(cache, small)
        assert usage.cache_creation_input_tokens == usage.cache_read_input_tokens == 0
        assert usage.input_tokens == sum(s.tokens for s in segments(small))
    assert len(cache) == 0


def test_count_tokens_path_leaves_the_cache_empty(cache: PromptCache) -> None:
    dry = account(cache, request(), write=False)
    assert dry.cache_creation_input_tokens > 0  # what a real request would write
    assert len(cache) == 0
    assert account(cache, request()).cache_read_input_tokens == 0
    assert len(cache) == 1


def test_entries_are_per_api_key_and_model(cache: PromptCache) -> None:
    account(cache, request())
    assert account(cache, request(), api_key="other").cache_read_input_tokens == 0
    assert account(cache, request(model="m2")).cache_read_input_tokens == 0
    assert account(cache, request(), speed="fast").cache_read_input_tokens == 0
    assert account(cache, request()).cache_read_input_tokens > 0


def test_mixed_ttls_split_the_creation(cache: PromptCache) -> None:
    body = request("q1", "a1", "q2 " + LONG, ttl="1h", mark_last=True)
    usage = account(cache, body)
    system_tokens = sum(s.tokens for s in segments(body) if s.section == "system")
    assert usage.ephemeral_1h_input_tokens == system_tokens
    assert usage.ephemeral_5m_input_tokens == usage.cache_creation_input_tokens - system_tokens
    assert usage.ephemeral_5m_input_tokens > 0


def test_tool_choice_change_misses_messages_only(cache: PromptCache) -> None:
    tools = [{"name": "t", "input_schema": {"type": "object"}, "description": LONG}]
    tools[0]["cache_control"] = EPHEMERAL
    body = request("q1 " + LONG, mark_last=True, tools=tools)
    account(cache, body)
    forced = account(cache, {**body, "tool_choice": {"type": "any"}})
    prefix = sum(s.tokens for s in segments(body) if s.section != "messages")
    assert forced.cache_read_input_tokens == prefix + 313 - 346
    assert forced.cache_creation_input_tokens > 0


def diagnose(cache: PromptCache, body: dict[str, Any], previous: str | None, msg: str) -> Any:
    diagnostics = {"previous_message_id": previous}
    return account(cache, body, diagnostics=diagnostics, message_id=msg).miss_reason


def test_diagnostics_name_the_first_divergence(cache: PromptCache) -> None:
    assert diagnose(cache, request("q1"), None, "msg_1") is None
    assert diagnose(cache, request("q1", "a1", "q2"), "msg_1", "msg_2") is None
    reason = diagnose(cache, request("q1", system=LONG + "!"), "msg_2", "msg_3")
    assert reason["type"] == "system_changed"
    assert reason["cache_missed_input_tokens"] > MINIMUM
    edited = diagnose(cache, request("q1 edited", system=LONG + "!"), "msg_3", "msg_4")
    assert edited["type"] == "messages_changed"
    assert edited["cache_missed_input_tokens"] < MINIMUM
    tools = [{"name": "t", "input_schema": {"type": "object"}}]
    with_tools = request("q1 edited", system=LONG + "!", tools=tools)
    assert diagnose(cache, with_tools, "msg_4", "msg_5")["type"] == "tools_changed"
    other_model = {**with_tools, "model": "m2"}
    assert diagnose(cache, other_model, "msg_5", "msg_6")["type"] == "model_changed"


def test_diagnostics_unavailable_and_not_found(cache: PromptCache) -> None:
    diagnose(cache, request("q1"), None, "msg_1")
    thinking = {"type": "enabled", "budget_tokens": 2048}
    assert diagnose(cache, request("q1", thinking=thinking), "msg_1", "msg_2") == {
        "type": "unavailable"
    }
    assert diagnose(cache, request("q1"), "msg_unknown", "msg_3") == {
        "type": "previous_message_not_found"
    }
    other_key = account(
        cache, request("q1"), api_key="other", diagnostics={"previous_message_id": "msg_1"}
    )
    assert other_key.miss_reason == {"type": "previous_message_not_found"}


def test_requests_without_diagnostics_leave_no_fingerprint(cache: PromptCache) -> None:
    account(cache, request("q1"), message_id="msg_1")
    assert diagnose(cache, request("q1"), "msg_1", "msg_2") == {
        "type": "previous_message_not_found"
    }


def test_fingerprints_are_kept_within_a_row_budget(cache: PromptCache) -> None:
    # ~2,500 segments a prompt: the 250,000-row budget holds the last 99 or so of them.
    body = request(*(f"turn {i}" for i in range(2_499)))
    prompt = segments(body)
    for n in range(120):
        cache.account(
            "key", "m", prompt, MINIMUM, write=True, diagnostics={}, message_id=f"msg_{n}"
        )
    assert diagnose(cache, body, "msg_119", "msg_next") is None
    assert diagnose(cache, body, "msg_0", "msg_next") == {"type": "previous_message_not_found"}


def marked_text(ttl: str | None = None) -> dict[str, Any]:
    cc = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return {"type": "text", "text": "x", "cache_control": cc}


def test_at_most_four_breakpoints() -> None:
    four = {
        "system": [marked_text()] * 2,
        "messages": [{"role": "user", "content": [marked_text()] * 2}],
    }
    assert cache_problems(four) == []
    five = {
        **four,
        "cache_control": EPHEMERAL,
        "messages": [{"role": "user", "content": [marked_text(), {"type": "text", "text": "y"}]}],
    }
    five["tools"] = [{"name": "t", "cache_control": EPHEMERAL}]
    problems = cache_problems(five)
    assert [p.message for p in problems] == [
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    ]
    assert problems[0].rule == "caching"


def test_automatic_breakpoint_on_an_already_marked_block_is_not_counted_twice() -> None:
    body = {
        "system": [marked_text()] * 3,
        "messages": [{"role": "user", "content": [marked_text()]}],
    }
    assert cache_problems({**body, "cache_control": EPHEMERAL}) == []


def test_cache_control_on_empty_text() -> None:
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "", "cache_control": EPHEMERAL}]}
        ]
    }
    assert [p.message for p in cache_problems(body)] == [
        "cache_control cannot be set for empty text blocks"
    ]


def test_one_hour_breakpoint_after_five_minute_one() -> None:
    body = {
        "tools": [{"name": "t", "cache_control": {"type": "ephemeral", "ttl": "5m"}}],
        "system": [marked_text("1h")],
        "messages": [{"role": "user", "content": [marked_text()]}],
    }
    (problem,) = cache_problems(body)
    assert problem.message == (
        "system.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a "
        "ttl='5m' cache_control block. Note that blocks are processed in the following "
        "order: `tools`, `system`, `messages`."
    )
    body["tools"][0]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    assert cache_problems(body) == []


def test_nested_tool_result_breakpoints_count() -> None:
    result = {"type": "tool_result", "tool_use_id": "t", "content": [marked_text()] * 5}
    (problem,) = cache_problems({"messages": [{"role": "user", "content": [result]}]})
    assert problem.message.endswith("Found 5.")


def test_automatic_one_hour_breakpoint_after_five_minute_ones() -> None:
    body = {
        "system": [marked_text()],
        "messages": [{"role": "user", "content": "hi"}],
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
    }
    (problem,) = cache_problems(body)
    assert problem.message.startswith("cache_control.ttl: a ttl='1h' cache_control block")


def test_breakpoints_are_found_among_messages_that_only_mention_cache_control() -> None:
    def user(*blocks: Any) -> dict[str, Any]:
        return {"role": "user", "content": list(blocks)}

    mentions = [
        user({"type": "text", "text": "cache_control"}),
        user({"type": "text", "text": 'set "cache_control" on a block'}),
        {"role": "user", "content": "cache_control"},
        user({"type": "tool_use", "id": "t", "name": "n", "input": {"cache_control": 1}}),
    ]
    marked = [user(marked_text()), user({"type": "text", "text": "", "cache_control": EPHEMERAL})]
    problems = cache_problems({"messages": [*mentions, *marked, *[user(marked_text())] * 3]})
    assert [(p.message, p.path) for p in problems] == [
        ("cache_control cannot be set for empty text blocks", "messages.5.content.0"),
        ("A maximum of 4 blocks with cache_control may be provided. Found 5.", ""),
    ]


def test_breakpoints_in_data_that_is_not_plain_json_are_found() -> None:
    odd = {"type": "tool_use", "id": "t", "name": "n", "input": {"at": object()}}
    body = {"messages": [{"role": "user", "content": [odd, marked_text()]}] * 5}
    (problem,) = cache_problems(body)
    assert problem.message.endswith("Found 5.")


def test_breakpoints_on_tools_that_are_not_plain_dicts_are_found() -> None:
    marked_tool = MappingProxyType({"name": "t", "cache_control": EPHEMERAL})
    body = {
        "tools": ["cache_control", {"name": "u"}, marked_tool],
        "system": [marked_text()] * 2,
        "messages": [{"role": "user", "content": [marked_text()] * 2}],
    }
    (problem,) = cache_problems(body)
    assert problem.message.endswith("Found 5.")


def test_past_its_bound_the_least_recently_used_entries_go(cache: PromptCache) -> None:
    # Each call ends in a breakpoint of its own (an entry each) and reads the system's.
    for n in range(10_001):
        account(cache, request(f"turn {n}", mark_last=True))
    assert len(cache) == 10_000
    system = sum(s.tokens for s in segments(request()) if s.section == "system")
    # The first calls' own entries went; the system's, read by every call, stayed.
    assert account(cache, request("turn 0", mark_last=True)).cache_read_input_tokens == system
    latest = account(cache, request("turn 10000", mark_last=True))
    assert latest.cache_creation_input_tokens == 0
    assert latest.cache_read_input_tokens > system
