"""How to test streaming code, including a stream that breaks part-way.

A scripted reply is streamed when the client asks for a stream; `fault=` makes it fail
as the real API can: an `error` event mid-stream (after the 200), a dropped connection,
or a stall.
"""

from __future__ import annotations

import anthropic
import pytest

from mockserver import StreamFault
from mockserver.server import MockServer


def stream_answer(question: str) -> str:
    """Code under test: prints as it streams, returns the whole text."""
    client = anthropic.Anthropic(max_retries=0)
    with client.messages.stream(
        model="claude-sonnet-4-6",
        max_tokens=500,
        messages=[{"role": "user", "content": question}],
    ) as stream:
        return "".join(stream.text_stream)


def test_a_streamed_reply(mockserver: MockServer) -> None:
    mockserver.reply_text("Once upon a time, a mock server streamed a story.")

    assert stream_answer("Tell me a story") == "Once upon a time, a mock server streamed a story."
    call = mockserver.journal.last_call
    assert call.streamed
    assert [name for name, _ in call.response][:2] == ["message_start", "content_block_start"]
    assert call.message is not None
    assert call.message["stop_reason"] == "end_turn"


def test_an_overloaded_error_mid_stream(mockserver: MockServer) -> None:
    mockserver.reply_text("This story never ends.", fault=StreamFault("error", after_events=4))

    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        stream_answer("Tell me a story")
    call = mockserver.journal.last_call
    assert call.status == 200  # the stream had started: the error came as an event
    assert call.error == {"type": "overloaded_error", "message": "Overloaded"}
    assert call.interrupted
