"""How to assert on what your code sent: the journal of exchanges.

Every exchange is kept as plain data: request body and headers, response (a stream's
events too), status, the scenario step that answered, and any contract problems.
"""

from __future__ import annotations

import anthropic

from mockserver.server import MockServer


def test_what_was_sent_and_answered(mockserver: MockServer) -> None:
    with anthropic.Anthropic() as client:
        client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=300,
            stop_sequences=["\n\nHuman:"],
            system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": "What is 2 + 2?"}],
            metadata={"user_id": "user-42"},
        )

    journal = mockserver.journal
    assert journal.call_count == 1
    call = journal.last_call
    assert call.status == 200
    assert call.body["stop_sequences"] == ["\n\nHuman:"]
    assert call.body["metadata"] == {"user_id": "user-42"}
    assert call.system_prompt == "Be brief."
    assert call.last_user_text == "What is 2 + 2?"
    # Headers are kept lower-cased, as sent.
    assert call.headers["anthropic-version"]
    # The reply as the client received it.
    assert call.message is not None
    assert call.message["usage"]["input_tokens"] > 0
    assert call.reply_text
