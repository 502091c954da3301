"""Two workers answer an SDK tool loop with thinking, the prompt cache and ordered scenario
steps exactly as one process does, with clients interleaved on new connections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
from conftest import MODEL
from workers_support import TOOLS, Running, keys_on, running

SYSTEM = [
    {
        "type": "text",
        "text": "The keeper lights the lamp at dusk and logs the weather. " * 300,
        "cache_control": {"type": "ephemeral"},
    }
]
STEPS = """\
version: 1
name: counting
match: {last_user_text: count}
steps:
  - reply: one
  - reply: two
  - reply: three
"""
KEYS = [*keys_on(0, 2, 2, "sk-same"), *keys_on(1, 2, 2, "sk-same")]


def _facts(message: anthropic.types.Message) -> tuple[Any, ...]:
    """What a client reads of an answer, but for what depends on ids and signatures, which
    any server mints anew (a resent tool_use id's token count among them)."""
    blocks = tuple(
        (
            b.type,
            getattr(b, "text", None) or getattr(b, "thinking", None) or getattr(b, "name", None),
        )
        for b in message.content
    )
    usage = message.usage
    return (
        message.stop_reason,
        blocks,
        usage.output_tokens,
        usage.cache_creation_input_tokens,
        usage.cache_read_input_tokens,
    )


def _session(server: Running) -> list[tuple[Any, ...]]:
    """Each key: a thinking tool loop over a cached system prompt, then three ordered steps;
    the keys take turns, and every request opens its own connection."""
    seen: list[tuple[Any, ...]] = []
    histories: dict[str, list[dict[str, Any]]] = {
        key: [{"role": "user", "content": "Weather in Paris?"}] for key in KEYS
    }
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 2048,
        "system": SYSTEM,
        "tools": TOOLS,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    }
    for turn in range(2):
        for key in KEYS:
            with server.client(key) as client:
                answer = client.messages.create(messages=histories[key], **params)
            seen.append(_facts(answer))
            if turn == 0:
                call = next(b for b in answer.content if b.type == "tool_use")
                histories[key] += [
                    {
                        "role": "assistant",
                        "content": [b.model_dump(exclude_none=True) for b in answer.content],
                    },
                    {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": call.id, "content": "18°C"}
                        ],
                    },
                ]
    for _ in range(3):
        for key in KEYS:
            with server.client(key) as client:
                answer = client.messages.create(
                    model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "count"}]
                )
            seen.append(_facts(answer))
    return seen


def test_two_workers_answer_as_one_process_does(tmp_path: Path) -> None:
    steps = tmp_path / "steps.yaml"
    steps.write_text(STEPS)
    common = ("--no-bundled", "--quiet", "--scenarios", str(steps))
    with running("--workers", "1", *common) as one:
        alone = _session(one)
    with running("--workers", "2", *common) as two:
        shared = _session(two)
        journal = two.admin("GET", "/journal").json()
    assert shared == alone
    # The tool loop's second turns read the cache and ended in text; the steps went in order.
    assert all(facts[4] > 0 and facts[0] == "end_turn" for facts in shared[4:8])
    assert [facts[1][0][1] for facts in shared[8:]] == ["one"] * 4 + ["two"] * 4 + ["three"] * 4
    assert {exchange["worker"] for exchange in journal["exchanges"]} == {0, 1}
    assert all(exchange["status"] == 200 for exchange in journal["exchanges"])
