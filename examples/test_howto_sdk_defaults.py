"""How to test code that builds `anthropic.Anthropic()` with its defaults.

Take the `mockserver` fixture and the code under test needs no change: during the test
ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY point at the session's mock server.
"""

from __future__ import annotations

import anthropic

from mockserver.server import MockServer


def summarize(text: str) -> str:
    """Code under test: it knows nothing about the mock."""
    client = anthropic.Anthropic()
    message = client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=200,
        system="Summarize in one sentence.",
        messages=[{"role": "user", "content": text}],
    )
    return "".join(block.text for block in message.content if block.type == "text")


def test_code_using_sdk_defaults_talks_to_the_mock(mockserver: MockServer) -> None:
    summary = summarize("A long report about the weather in Paris.")

    assert summary  # the default reply: a short, deterministic greeting
    assert mockserver.journal.call_count == 1
    assert mockserver.journal.system_prompt == "Summarize in one sentence."
