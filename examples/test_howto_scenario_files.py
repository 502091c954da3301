"""How to drive a test from a YAML scenario file.

`@pytest.mark.mockserver(scenarios=[...])` loads files (or folders) found beside the
test file, for that test only; the `mockserver_scenarios` ini option loads some for
every test instead (those are not required to be used up). Every ordered step of a
test's own scenarios must be used, or the test fails naming the step left over.
"""

from __future__ import annotations

import anthropic
import pytest
from anthropic.types import MessageParam

from mockserver.server import MockServer


class Chat:
    """Code under test: keeps the conversation's history."""

    def __init__(self) -> None:
        self.client = anthropic.Anthropic()
        self.history: list[MessageParam] = []

    def say(self, text: str) -> str:
        self.history.append({"role": "user", "content": text})
        reply = self.client.messages.create(
            model="claude-sonnet-4-6", max_tokens=200, messages=self.history
        )
        self.history.append({"role": "assistant", "content": reply.content})
        return "".join(b.text for b in reply.content if b.type == "text")


@pytest.mark.mockserver(scenarios=["scenarios/support_bot.yaml"])
def test_a_whole_support_conversation(mockserver: MockServer) -> None:
    chat = Chat()

    assert chat.say("I need help") == "Hello! What seems to be the problem?"
    assert chat.say("My printer is on fire") == "Have you tried turning it off and on again?"
    assert chat.say("It worked, thanks") == "Glad I could help."
    assert [e.step for e in mockserver.journal] == [
        "support/greet",
        "support/diagnose",
        "support/close",
    ]


@pytest.mark.mockserver(scenarios=["scenarios/support_bot.yaml"], check_unused=False)
def test_only_the_start_of_it(mockserver: MockServer) -> None:
    assert Chat().say("help!") == "Hello! What seems to be the problem?"
