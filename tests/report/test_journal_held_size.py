"""The journal's byte cap counts what parsed bodies hold in memory, not their wire bytes."""

from __future__ import annotations

import httpx2
import orjson
import pytest
from conftest import MODEL, ServerFactory, api_headers
from memory_support import kept_by

from mockserver.report.held_size import held_size


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


def test_many_small_values_fill_the_cap_long_before_their_bytes_would(
    server_factory: ServerFactory,
) -> None:
    # 6 KB on the wire, ~140 KB parsed: the old count (wire bytes) kept all eight.
    server = server_factory(journal_max_bytes=400_000)
    raw = orjson.dumps({"model": MODEL, "max_tokens": 5, "messages": [{}] * 2_000})
    with httpx2.Client(base_url=server.base_url, timeout=30) as http:
        for _ in range(8):
            answer = http.post("/v1/messages", content=raw, headers=api_headers())
            assert answer.status_code == 400
            assert answer.json()["type"] == "error"
    kept = len(server.journal.all())
    assert 1 <= kept <= 4
    assert server.report().to_json()["requests"]["total"] == 8
