"""How to test retries: script a failure, then the answer.

The official SDK retries 429, 5xx and 529 answers itself (honouring `retry-after-ms`),
so a scripted failure followed by a reply tests that path end to end.
"""

from __future__ import annotations

import anthropic
import pytest

from mockserver.server import MockServer

FAST_RETRY = {"retry-after-ms": "1"}


def ask(client: anthropic.Anthropic) -> str:
    reply = client.messages.create(
        model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
    )
    return "".join(b.text for b in reply.content if b.type == "text")


def test_the_sdk_retries_an_overloaded_api(mockserver: MockServer) -> None:
    mockserver.reply_error(529, headers=FAST_RETRY)
    mockserver.reply_error(429, headers=FAST_RETRY)
    mockserver.reply_text("Third time lucky.")

    with anthropic.Anthropic(max_retries=2) as client:
        assert ask(client) == "Third time lucky."
    assert [e.status for e in mockserver.journal] == [529, 429, 200]
    assert mockserver.journal.last_call.headers["x-stainless-retry-count"] == "2"


def test_giving_up_after_the_last_retry(mockserver: MockServer) -> None:
    # One step answering twice: `times` is a step option like any other.
    mockserver.reply_error(529, headers=FAST_RETRY, times=2)

    with anthropic.Anthropic(max_retries=1) as client, pytest.raises(anthropic.OverloadedError):
        ask(client)
    assert mockserver.journal.call_count == 2
