"""How to test async code: `anthropic.AsyncAnthropic` against the same session server.

The server runs on its own thread and loop, so an async test (pytest-asyncio or
pytest-aiohttp) uses the very same `mockserver` fixture; nothing starts per test.
"""

from __future__ import annotations

import asyncio

import anthropic

from mockserver.server import MockServer


async def ask_all(questions: list[str]) -> list[str]:
    async with anthropic.AsyncAnthropic() as client:
        replies = await asyncio.gather(
            *(
                client.messages.create(
                    model="claude-haiku-4-5",
                    max_tokens=100,
                    messages=[{"role": "user", "content": question}],
                )
                for question in questions
            )
        )
    return [reply.stop_reason or "" for reply in replies]


async def test_concurrent_calls_are_all_journaled(mockserver: MockServer) -> None:
    stop_reasons = await ask_all(["one?", "two?", "three?"])

    assert stop_reasons == ["end_turn"] * 3
    sent = sorted(e.last_user_text for e in mockserver.journal.messages())
    assert sent == ["one?", "three?", "two?"]
