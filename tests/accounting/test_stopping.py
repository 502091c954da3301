from __future__ import annotations

from typing import Any

from mockserver.accounting.stopping import check_context_window, finish
from mockserver.accounting.tokens import HeuristicTokenizer, count_output

TOKENIZER = HeuristicTokenizer()
STORY = " ".join(f"Sentence number {i} tells a little more of the story." for i in range(40))
CALL = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def req(max_tokens: int = 1000, **extra: Any) -> dict[str, Any]:
    return {"model": "m", "max_tokens": max_tokens, "messages": [], **extra}


def test_plain_text_ends_the_turn() -> None:
    done = finish([text("Hi there.")], req(), TOKENIZER)
    assert (done.stop_reason, done.stop_sequence, done.stop_details) == ("end_turn", None, None)
    assert done.content == [text("Hi there.")]
    assert done.output_tokens == TOKENIZER.count("Hi there.")


def test_trailing_tool_call_means_tool_use() -> None:
    done = finish([text("Checking."), CALL], req(), TOKENIZER)
    assert done.stop_reason == "tool_use"
    assert done.output_tokens == count_output([text("Checking."), CALL], TOKENIZER).total


def test_stop_sequence_cuts_before_it_and_drops_later_blocks() -> None:
    content = [text("Answer: 42\nEND\nmore text"), CALL]
    done = finish(content, req(stop_sequences=["STOP", "END"]), TOKENIZER)
    assert done.stop_reason == "stop_sequence"
    assert done.stop_sequence == "END"
    assert done.content == [text("Answer: 42\n")]


def test_earliest_stop_sequence_wins() -> None:
    done = finish([text("a ## b %% c")], req(stop_sequences=["%%", "##"]), TOKENIZER)
    assert (done.stop_sequence, done.content) == ("##", [text("a ")])


def test_stop_sequences_do_not_apply_to_tool_input() -> None:
    call = {**CALL, "input": {"note": "END"}}
    done = finish([call], req(stop_sequences=["END"]), TOKENIZER)
    assert done.stop_reason == "tool_use"


def test_long_text_is_cut_at_max_tokens() -> None:
    done = finish([text(STORY), CALL], req(max_tokens=50), TOKENIZER)
    assert done.stop_reason == "max_tokens"
    assert done.output_tokens == 50
    (block,) = done.content
    assert STORY.startswith(block["text"])
    assert 45 <= TOKENIZER.count(block["text"]) <= 50


def test_tool_call_cut_short_keeps_the_complete_fields() -> None:
    call = {**CALL, "input": {"city": "Paris", "notes": STORY}}
    room = count_output([text("Let me check."), {**call, "input": {"city": "Paris"}}], TOKENIZER)
    done = finish([text("Let me check."), call], req(max_tokens=room.total + 5), TOKENIZER)
    assert done.stop_reason == "max_tokens"
    assert done.content[-1]["input"] == {"city": "Paris"}
    assert done.content[-1]["id"] == "toolu_1"
    assert done.output_tokens == room.total + 5


def test_thinking_cut_short_counts_as_thinking() -> None:
    thinking = {"type": "thinking", "thinking": STORY, "signature": "sig"}
    done = finish([thinking, text("Done.")], req(max_tokens=30), TOKENIZER)
    assert [b["type"] for b in done.content] == ["thinking"]
    assert done.output_tokens == 30
    assert 25 <= done.thinking_tokens <= 30


def test_max_tokens_zero_is_a_cache_prewarm() -> None:
    done = finish([text("Hello")], req(max_tokens=0), TOKENIZER, stop_reason="refusal")
    assert (done.content, done.stop_reason, done.output_tokens) == ([], "max_tokens", 0)


def test_pinned_refusal_survives_with_its_details() -> None:
    details = {"type": "refusal", "category": "cyber", "explanation": None}
    done = finish(
        [text("I can't help")], req(), TOKENIZER, stop_reason="refusal", stop_details=details
    )
    assert (done.stop_reason, done.stop_details) == ("refusal", details)


def test_pinned_reasons_pass_through() -> None:
    for reason in ("pause_turn", "model_context_window_exceeded"):
        assert finish([CALL], req(), TOKENIZER, stop_reason=reason).stop_reason == reason


def test_a_real_cut_beats_the_pinned_reason() -> None:
    done = finish([text(STORY)], req(max_tokens=10), TOKENIZER, stop_reason="refusal")
    assert (done.stop_reason, done.stop_details) == ("max_tokens", None)


def test_thinking_tokens_are_reported_apart() -> None:
    thinking = {"type": "thinking", "thinking": "Let me think about the weather.", "signature": "s"}
    done = finish([thinking, text("Sunny.")], req(), TOKENIZER)
    assert done.thinking_tokens == TOKENIZER.count(thinking["thinking"])
    assert done.output_tokens == done.thinking_tokens + TOKENIZER.count("Sunny.")


def test_input_content_is_not_mutated() -> None:
    original = [text(STORY)]
    finish(original, req(max_tokens=5), TOKENIZER)
    assert original == [text(STORY)]


def test_context_window_check() -> None:
    assert check_context_window(200_000, 200_000) is None
    problem = check_context_window(219_898, 200_000)
    assert problem is not None
    assert problem.message == "prompt is too long: 219898 tokens > 200000 maximum"
    assert problem.status == 400
