"""The journal's byte cap bounds what it holds in memory (tracemalloc), whatever the bodies' shape;
held_size's estimate of a parsed body (for what the journal keeps parsed) tracks what one holds."""

from __future__ import annotations

import itertools
import tracemalloc

import httpx2
import orjson
import pytest
from conftest import MODEL, ServerFactory, api_headers
from memory_support import kept_by

from mockserver.report.held_size import held_size
from mockserver.report.journal import RECORD_BYTES


def _held(raw: bytes) -> int:
    """What orjson.loads(raw) keeps allocated (counted on this file's lines only: the
    session server's thread allocates meanwhile)."""
    kept: list[object] = []
    return kept_by(lambda: kept.append(orjson.loads(raw)), __file__)


SHAPES = {
    "small request": {
        "model": MODEL,
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
    },
    "long text": {"model": MODEL, "messages": [{"role": "user", "content": "y" * 500_000}]},
    "empty objects": {"model": MODEL, "messages": [{}] * 10_000},
    "small objects": {"model": MODEL, "messages": [{"a": 1, "b": "x"}] * 5_000},
    "short strings": {"model": MODEL, "messages": [["abcdef"] * 10_000]},
    "numbers": {"model": MODEL, "messages": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] * 2_000},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_estimate_tracks_what_a_parsed_body_holds(shape: str) -> None:
    raw = orjson.dumps(SHAPES[shape])
    held = _held(raw)
    # Never far under (the cap would then understate memory), and not far over either (a
    # small body may be over: orjson shares the keys it has already seen).
    assert 0.8 * held <= held_size(raw) <= 2 * held + 1_000


def _agent_request(call: int) -> bytes:
    """A ~120 KB agent call: 24 tools, a long system prompt, a 20-step tool loop; its last
    tool result differs with `call`, as an agent's next call does."""
    tools = [
        {
            "name": f"Tool{n}",
            "description": f"Tool {n}. " + "When to use it and when not to. " * 40,
            "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
        }
        for n in range(24)
    ]
    messages: list[dict[str, object]] = [{"role": "user", "content": "Refactor the parser."}]
    for step in range(20):
        use = {"type": "tool_use", "id": f"toolu_{step:04d}", "name": "Tool1", "input": {}}
        text = f"(call {call}) " if step == 19 else ""
        result = {
            "type": "tool_result",
            "tool_use_id": f"toolu_{step:04d}",
            "content": text + f"line {step} of the file, as read back. " * 60,
        }
        messages += [
            {"role": "assistant", "content": [{"type": "text", "text": "Reading."}, use]},
            {"role": "user", "content": [result]},
        ]
    system = [{"type": "text", "text": "Guidelines for editing code safely. " * 400}]
    return orjson.dumps(
        {"model": MODEL, "max_tokens": 1024, "system": system, "tools": tools, "messages": messages}
    )


BODIES = {
    "small calls": lambda call: orjson.dumps(
        {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": f"{call:06d}"}]}
    ),
    "agent calls": _agent_request,
    # Many small values: several times their bytes once parsed.
    "many small blocks": lambda call: orjson.dumps(
        {
            "model": MODEL,
            "max_tokens": 5,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": f"{call:06d}"}] * 4000}
            ],
        }
    ),
}


@pytest.mark.parametrize("kind", BODIES)
def test_the_journal_holds_what_its_byte_cap_says(server_factory: ServerFactory, kind: str) -> None:
    cap = 2_000_000
    server = server_factory(journal_max_bytes=cap)
    make = BODIES[kind]
    size = len(make(0))
    calls = iter(range(10**6))

    def fill(http: httpx2.Client) -> None:
        """Send enough calls to replace everything the journal holds."""
        for call in itertools.islice(calls, int(1.2 * cap / (size + RECORD_BYTES)) + 1):
            answer = http.post("/v1/messages", content=make(call), headers=api_headers())
            assert answer.status_code in (200, 400), answer.text

    with httpx2.Client(base_url=server.base_url, timeout=30) as http:
        fill(http)
        # Traced from here: what the journal holds at the end was all made after this.
        tracemalloc.start()
        try:
            fill(http)
            sent = next(calls)
            # Read: everything journaled so far is folded in (and the journal trimmed).
            assert server.report().to_json()["requests"]["total"] == sent
            server.journal.all()
            before = tracemalloc.get_traced_memory()[0]
            kept = len(server.journal)
            server.journal.clear()
            held = before - tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    # Trimmed back under the cap a thousandth over it, after a response (the last one's may
    # not have happened yet): full, give or take an exchange.
    counted = size + RECORD_BYTES
    assert cap - counted <= kept * counted <= 1.001 * cap + counted
    # What clearing it gave back: the bodies and each exchange's record around them.
    assert held <= 1.5 * cap, f"{held / cap:.2f}x the cap ({kept} exchanges)"
    assert held >= 0.5 * cap
