from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from typing import Any

import pytest

from mockserver.accounting.image_tokens import image_tokens
from mockserver.accounting.tokens import (
    PDF_PAGE_TOKENS,
    HeuristicTokenizer,
    count_input,
    count_output,
    input_segments,
)

TOKENIZER = HeuristicTokenizer()
PROSE = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
    "incredulity, it was the season of Light, it was the season of Darkness."
)


def png_base64(width: int, height: int) -> str:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk).decode()


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def body(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 10, "messages": list(messages), **extra}


def test_tokenizer_counts_words_punctuation_and_scripts() -> None:
    count = TOKENIZER.count
    assert count("") == 0
    assert count("Hello") == 1
    assert count("Hello, world") == 3
    assert count("internationalization") > count("nation")
    assert count("1234567") == 3
    assert count("東京は日本の首都です") == 10
    assert count("    def f(x):\n        return x") < count("def f(x): return x") + 3


def test_prose_is_about_four_characters_per_token() -> None:
    ratio = len(PROSE) / TOKENIZER.count(PROSE)
    assert 3.5 <= ratio <= 5.0


def test_tokenizer_is_deterministic_and_memo_is_bounded() -> None:
    small = HeuristicTokenizer(memo_size=2)
    first = [small.count(t) for t in ("a b", "c d e", "f", PROSE)]
    again = [HeuristicTokenizer().count(t) for t in ("a b", "c d e", "f", PROSE)]
    assert first == again == [2, 3, 1, TOKENIZER.count(PROSE)]
    assert small.count(PROSE) == first[-1]


def test_counting_a_120kb_prompt_repeatedly_is_fast() -> None:
    text = PROSE * 600  # ~125 KB, as agent CLIs send on every call
    TOKENIZER.count(text)
    started = time.perf_counter()
    for i in range(100):
        fresh = (text + str(i))[: len(text)]  # a new string object, like a parsed body
        assert TOKENIZER.count(fresh) == TOKENIZER.count(text)
    assert time.perf_counter() - started < 0.2


def test_documented_example_counts_system_and_message() -> None:
    # The count_tokens guide's example (system "You are a scientist", "Hello, world")
    # reports 14 input tokens.
    request = body({"role": "user", "content": "Hello, world"}, system="You are a scientist")
    assert count_input(request, TOKENIZER) == 14


def test_segments_follow_the_api_caching_order() -> None:
    tool = {"name": "get_weather", "input_schema": {"type": "object"}}
    request = body(
        user({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}),
        tools=[tool],
        system=[{"type": "text", "text": "Be brief."}],
    )
    segments = input_segments(request, TOKENIZER)
    blocks = [(s.section, s.path) for s in segments if s.is_block]
    assert blocks == [
        ("tools", "tools.0"),
        ("system", "system.0"),
        ("messages", "messages.0.content.0"),
    ]
    assert segments[-1].kind == "reply"
    assert [s.cache_control for s in segments if s.is_block] == [None, None, {"type": "ephemeral"}]
    assert sum(s.tokens for s in segments) == count_input(request, TOKENIZER)


def test_key_ignores_cache_control_but_not_content() -> None:
    plain = input_segments(body(user({"type": "text", "text": "hi"})), TOKENIZER)
    marked = input_segments(
        body(user({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}})),
        TOKENIZER,
    )
    other = input_segments(body(user({"type": "text", "text": "ho"})), TOKENIZER)
    assert plain[1].key == marked[1].key != other[1].key


def test_tool_choice_changes_the_hidden_tool_prompt() -> None:
    tools = [{"name": "t", "input_schema": {"type": "object"}}]
    base = body(user({"type": "text", "text": "hi"}), tools=tools)
    auto = count_input(base, TOKENIZER)
    forced = count_input({**base, "tool_choice": {"type": "any"}}, TOKENIZER)
    none = count_input({**base, "tool_choice": {"type": "none"}}, TOKENIZER)
    assert auto - forced == 346 - 313
    assert none == auto
    assert auto > count_input(body(user({"type": "text", "text": "hi"})), TOKENIZER) + 346


def test_builtin_tools_cost_their_published_figure() -> None:
    bash = body(
        user({"type": "text", "text": "hi"}), tools=[{"type": "bash_20250124", "name": "bash"}]
    )
    segments = input_segments(bash, TOKENIZER)
    assert [s.tokens for s in segments if s.path == "tools.0"] == [245]


@pytest.mark.parametrize(
    ("size", "tokens"),
    [((200, 200), 54), ((1000, 1000), 1334), ((1092, 1092), 1590), ((4000, 3000), 1600)],
)
def test_image_tokens_follow_dimensions_after_downscaling(
    size: tuple[int, int], tokens: int
) -> None:
    assert image_tokens(*size) == pytest.approx(tokens, abs=3)


def test_images_in_a_request_are_sized_from_their_header() -> None:
    def cost(source: dict[str, Any]) -> int:
        return count_input(body(user({"type": "image", "source": source})), TOKENIZER)

    small = cost({"type": "base64", "media_type": "image/png", "data": png_base64(100, 100)})
    large = cost({"type": "base64", "media_type": "image/png", "data": png_base64(1000, 500)})
    by_url = cost({"type": "url", "url": "https://example.com/cat.png"})
    assert large - small == image_tokens(1000, 500) - image_tokens(100, 100)
    assert by_url - small == image_tokens(1092, 1092) - image_tokens(100, 100)


def test_pdf_documents_cost_per_page() -> None:
    pages = b"".join(b"%d 0 obj << /Type /Page >> endobj\n" % i for i in range(3))
    pdf = base64.b64encode(b"%PDF-1.4\n<< /Type /Pages /Count 3 >>\n" + pages).decode()
    document = {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
    }
    text_doc = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": PROSE},
    }
    with_pdf = count_input(body(user(document)), TOKENIZER)
    with_text = count_input(body(user(text_doc)), TOKENIZER)
    assert with_pdf - with_text == 3 * PDF_PAGE_TOKENS - TOKENIZER.count(PROSE)


def test_tool_results_and_tool_calls_are_counted() -> None:
    call = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": PROSE}}
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "text", "text": PROSE}],
    }
    request = body(
        user({"type": "text", "text": "go"}), {"role": "assistant", "content": [call]}, user(result)
    )
    segments = {s.path: s.tokens for s in input_segments(request, TOKENIZER)}
    assert segments["messages.1.content.0"] >= TOKENIZER.count(PROSE) + 3
    assert segments["messages.2.content.0"] >= TOKENIZER.count(PROSE) + 3


def test_earlier_thinking_can_be_dropped_for_older_models() -> None:
    thinking = {"type": "thinking", "thinking": PROSE, "signature": "sig"}
    request = body(
        user({"type": "text", "text": "first"}),
        {"role": "assistant", "content": [thinking, {"type": "text", "text": "one"}]},
        user({"type": "text", "text": "second"}),
    )
    kept = count_input(request, TOKENIZER)
    dropped = sum(s.tokens for s in input_segments(request, TOKENIZER, keep_thinking=False))
    assert kept - dropped == TOKENIZER.count(PROSE)


def test_current_turn_thinking_is_kept_even_for_older_models() -> None:
    thinking = {"type": "thinking", "thinking": PROSE, "signature": "sig"}
    call = {"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}
    request = body(
        user({"type": "text", "text": "go"}),
        {"role": "assistant", "content": [thinking, call]},
        user(result),
    )
    assert count_input(request, TOKENIZER) == sum(
        s.tokens for s in input_segments(request, TOKENIZER, keep_thinking=False)
    )


def test_automatic_cache_control_marks_the_last_markable_block() -> None:
    request = body(
        user({"type": "text", "text": "hi"}),
        {
            "role": "assistant",
            "content": [{"type": "thinking", "thinking": "hm", "signature": "s"}],
        },
        cache_control={"type": "ephemeral", "ttl": "1h"},
    )
    marked = [s.path for s in input_segments(request, TOKENIZER) if s.cache_control]
    assert marked == ["messages.0.content.0"]


def test_count_output_splits_out_thinking() -> None:
    content: list[dict[str, Any]] = [
        {"type": "thinking", "thinking": PROSE, "signature": "s"},
        {"type": "text", "text": "Sunny."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
    ]
    counted = count_output(content, TOKENIZER)
    assert counted.thinking == TOKENIZER.count(PROSE)
    expected_rest = TOKENIZER.count("Sunny.") + TOKENIZER.count("get_weather")
    expected_rest += TOKENIZER.count('{"city":"Paris"}')
    assert counted.total == counted.thinking + expected_rest


class CharTokenizer:
    def count(self, text: str) -> int:
        return len(text)


def test_another_tokenizer_can_be_plugged_in() -> None:
    request = body({"role": "user", "content": "abcdef"})
    assert count_input(request, CharTokenizer()) == 6 + 3 + 3
    assert count_output([{"type": "text", "text": "abc"}], CharTokenizer()).total == 3


@pytest.mark.parametrize(
    "junk",
    [
        {"messages": "nope"},
        {"messages": [None, {"role": "user", "content": [None, 5, {"type": "image"}]}]},
        {"system": [{"type": "text"}], "tools": [None, {"type": "web_search_20250305"}]},
        {"messages": [user({"type": "document", "source": {"type": "base64", "data": "%%%"}})]},
    ],
)
def test_malformed_bodies_never_raise(junk: dict[str, Any]) -> None:
    assert count_input(junk, TOKENIZER) >= 3


def test_tool_input_is_counted_as_compact_json() -> None:
    arguments = {"n": 1e16, "ü": [1.5, None, True], "big": 10**30, "when": {"at": "12:00"}}
    block = {"type": "tool_use", "id": "toolu_1", "name": "get", "input": arguments}
    compact = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    expected = TOKENIZER.count("get") + TOKENIZER.count(compact)
    assert count_output([block], TOKENIZER).total == expected
