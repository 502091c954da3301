"""A rule is skipped when the request lacks its feature: run anyway, it finds nothing.

Bodies are drawn at random (seeded) from the shapes the rules look at, odd ones included,
and every skipped rule is run on each. A rule that reads only the messages holding its
feature finds the same reading them all.
"""

from __future__ import annotations

import base64
import random
from typing import Any

from rules_support import CATALOG, SIGNER, context, png

from mockserver.contract.context import VERSION_2023, VERSION_2026
from mockserver.contract.rules_request import RuleRequest
from mockserver.contract.rules_scan import BY_MESSAGE
from mockserver.contract.semantics import RULES

PICK = random.Random(20260421)
IMAGES = [base64.b64encode(data).decode() for data in (png(10, 10), png(9000, 10), b"no")]
BETAS = ("output-300k-2026-03-24", "interleaved-thinking-2025-05-14", "computer-use-2025-01-24")
EPHEMERAL = {"type": "ephemeral"}
MODELS = list(CATALOG)[::3]


def one(*choices: Any) -> Any:
    return PICK.choice(choices)


def text_block() -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": one("hi", "", " \n", "end ", 5)}
    if PICK.random() < 0.1:
        block["citations"] = one([], [{"type": "char_location"}], None)
    if PICK.random() < 0.1:
        block["cache_control"] = EPHEMERAL
    return block


def image_block() -> dict[str, Any]:
    source = {"type": "base64", "media_type": one("image/png", "image/jpeg"), "data": one(*IMAGES)}
    return {"type": "image", "source": one(source, {"type": "url", "url": "u"}, None)}


def search_result() -> dict[str, Any]:
    cited = {"type": "text", "text": "x", "citations": [{"type": "search_result_location"}]}
    content = [one(text_block(), cited)]
    return {"type": "search_result", "source": "s", "title": "t", "content": content}


def nested() -> list[Any]:
    return [
        one(text_block(), image_block(), search_result(), "odd") for _ in range(PICK.randint(0, 3))
    ]


def block() -> Any:
    return one(
        text_block(),
        image_block(),
        search_result(),
        {"type": "tool_use", "id": one("t1", "t2", 5), "name": "w", "input": {}},
        {
            "type": "tool_result",
            "tool_use_id": one("t1", "t2", None),
            "content": one("ok", nested()),
        },
        {"type": "thinking", "thinking": "x", "signature": "RW5vdA=="},
        {"type": "redacted_thinking", "data": "abc"},
        {"type": "document", "source": one({"type": "content", "content": nested()}, None)},
        {"type": one("server_tool_use", 5, None)},
        "odd",
    )


def message() -> Any:
    content = one("", " ", "hello", "hi ", None, [], [block() for _ in range(PICK.randint(1, 3))])
    return one({"role": one("user", "assistant", "system", None), "content": content}, "odd")


def body() -> dict[str, Any]:
    drawn: dict[str, Any] = {
        "model": "m",
        "max_tokens": one(1024, 64_001, 300_001, True),
        "messages": one([message() for _ in range(PICK.randint(0, 6))], "odd"),
    }
    optional = {
        "thinking": one({"type": "enabled", "budget_tokens": 2048}, {"type": "adaptive"}, {}),
        "tools": [
            one(
                {"name": one("a", "b"), "input_schema": {"type": "object"}},
                {"type": "web_search_20250305", "name": "ws", "allowed_domains": []},
                {"type": one("computer_20250124", "custom", 5), "name": "c"},
                {"name": "m", "cache_control": EPHEMERAL},
            )
            for _ in range(PICK.randint(0, 3))
        ],
        "temperature": one(1, 0.5),
        "tool_choice": one({"type": "any"}, {"type": "auto"}),
        "context_management": {"edits": [{"type": "clear_thinking_20251015"}]},
        "cache_control": EPHEMERAL,
        "system": one("s", [{"type": "text", "text": "s", "cache_control": EPHEMERAL}]),
    }
    drawn.update((key, value) for key, value in optional.items() if PICK.random() < 0.25)
    return drawn


def drawn_request() -> RuleRequest:
    ctx = context(one(VERSION_2023, VERSION_2026), [b for b in BETAS if PICK.random() < 0.3])
    return RuleRequest(one("messages", "count_tokens"), body(), ctx, one(None, *MODELS), SIGNER)


def every_message(request: RuleRequest) -> None:
    """Let the rules that read only the messages holding their feature read them all."""
    request.messages_with = lambda feature: range(len(request.messages))  # type: ignore[method-assign]


def test_a_skipped_rule_would_have_found_nothing() -> None:
    skipped = 0
    for _ in range(3000):
        request = drawn_request()
        every_message(request)
        for rule, needs in RULES:
            if needs not in request.features:
                skipped += 1
                assert list(rule(request)) == [], (rule.__name__, request.body)
    assert skipped > 20_000


def test_a_rule_reading_the_messages_with_its_feature_misses_none() -> None:
    found_some = 0
    for _ in range(3000):
        request = drawn_request()
        kept = [(rule, list(rule(request))) for rule, needs in RULES if needs in BY_MESSAGE]
        every_message(request)
        for rule, found in kept:
            found_some += bool(found)
            assert list(rule(request)) == found, (rule.__name__, request.body)
    assert found_some > 300
