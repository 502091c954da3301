"""How to test your own error handling with requests the API would reject.

By default a rejected request fails the test at teardown (the real API would have refused
it too). A test that sends one on purpose says so: `expect_rejection()` exempts what the
block sent, and fails if nothing in it was rejected. The marker option
`check_violations=False` turns the check off for a whole test instead.
"""

from __future__ import annotations

import anthropic
import pytest

from mockserver.server import MockServer


def model_or_none(model: str) -> str | None:
    """Code under test: answers None when the model does not exist."""
    with anthropic.Anthropic(max_retries=0) as client:
        try:
            reply = client.messages.create(
                model=model, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
            )
        except anthropic.NotFoundError:
            return None
    return reply.model


def test_an_unknown_model_is_handled(mockserver: MockServer) -> None:
    with mockserver.expect_rejection() as rejected:
        assert model_or_none("claude-does-not-exist") is None

    assert rejected[0].error is not None
    assert rejected[0].error["type"] == "not_found_error"
    assert model_or_none("claude-sonnet-4-6") == "claude-sonnet-4-6"


@pytest.mark.mockserver(check_violations=False)
def test_the_whole_test_may_send_invalid_requests(mockserver: MockServer) -> None:
    assert model_or_none("claude-does-not-exist") is None
