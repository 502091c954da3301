"""A long-running server's journal stays within its limits; the report still counts all."""

from __future__ import annotations

import json

import anthropic
from conftest import MODEL, TEST_KEY, ServerFactory

from mockserver.report.journal import RECORD_BYTES


def test_the_journal_keeps_request_bodies_within_its_byte_limit(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(journal_max_bytes=40_000)
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        for i in range(30):
            sdk.messages.create(
                model=MODEL, max_tokens=50, messages=[{"role": "user", "content": f"call {i}"}]
            )
    kept = server.journal.all()
    # What each exchange holds: its body's bytes (the SDK sends compact JSON, as this
    # encodes it) and its record. Trimming starts a thousandth over the limit and goes back
    # under it, after a response (the last one's may not have happened yet).
    sizes = [len(json.dumps(e.body, separators=(",", ":"))) + RECORD_BYTES for e in kept]
    assert 40_000 - sizes[0] <= sum(sizes) <= 40_040 + sizes[-1]
    assert 5 < len(kept) < 30
    said = [e.body["messages"][0]["content"] for e in kept]
    assert said == [f"call {i}" for i in range(30 - len(kept), 30)]
    assert server.report().to_json()["requests"]["total"] == 30


def test_a_count_limit_and_a_byte_limit_both_hold(server_factory: ServerFactory) -> None:
    server = server_factory(journal_limit=4, journal_max_bytes=1_000_000)
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        for i in range(9):
            sdk.messages.create(
                model=MODEL, max_tokens=50, messages=[{"role": "user", "content": f"call {i}"}]
            )
    assert len(server.journal.all()) == 4
