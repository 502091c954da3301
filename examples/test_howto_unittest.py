"""How to use the mock without pytest fixtures: MockServer is a context manager.

Start it once per class (or module), reset it per test, and verify at the end of each
test: the same checks the pytest fixture runs at teardown.
"""

from __future__ import annotations

import unittest

import anthropic

from mockserver.server import MockServer


class ChatTest(unittest.TestCase):
    server: MockServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = MockServer().start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.server.reset()
        self.client = anthropic.Anthropic(base_url=self.server.base_url, api_key="test-key")
        self.addCleanup(self.client.close)
        self.addCleanup(self.server.verify)

    def test_hello(self) -> None:
        reply = self.client.messages.create(
            model="claude-opus-4-6",
            max_tokens=100,
            messages=[{"role": "user", "content": "Hello"}],
        )
        self.assertEqual(reply.role, "assistant")  # noqa: PT009
        self.assertEqual(self.server.journal.call_count, 1)  # noqa: PT009
