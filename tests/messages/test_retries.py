"""The official SDK's own retry loop against injected failures, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, TEST_KEY

from mockserver.faults.rules import Fault, FaultRule
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
# Waits the server asks for are tiny, so retried tests stay fast.
QUICK = 0.01


@pytest.fixture
def retrying(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    """The SDK with its default retry budget (2 retries, 3 attempts)."""
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=2) as sdk:
        yield sdk


def test_overloaded_twice_then_success_is_recovered_in_three_attempts(
    fresh: MockServer, retrying: anthropic.Anthropic
) -> None:
    rule = fresh.fail_next(529, times=2, retry_after=QUICK)
    reply = retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert reply.content[0].type == "text"
    calls = fresh.journal.messages()
    assert [e.status for e in calls] == [529, 529, 200]
    assert [e.retry_count for e in calls] == [0, 1, 2]
    assert calls[0].error == {"type": "overloaded_error", "message": "Overloaded"}
    assert rule.struck == [calls[0].request_id, calls[1].request_id]
    assert fresh.failures() == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (504, anthropic.InternalServerError),
        (529, anthropic.OverloadedError),
    ],
)
def test_retryable_statuses_use_up_the_retry_budget(
    fresh: MockServer, retrying: anthropic.Anthropic, status: int, error_class: type[Exception]
) -> None:
    fresh.fail_next(status, times=None, retry_after=QUICK)
    with pytest.raises(error_class) as caught:
        retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert isinstance(caught.value, anthropic.APIStatusError)
    assert caught.value.status_code == status
    assert caught.value.response.headers["x-should-retry"] == "true"
    assert [e.retry_count for e in fresh.journal.messages()] == [0, 1, 2]


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (403, anthropic.PermissionDeniedError, "permission_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (413, anthropic.RequestTooLargeError, "request_too_large"),
    ],
)
def test_client_errors_are_not_retried(
    fresh: MockServer,
    retrying: anthropic.Anthropic,
    status: int,
    error_class: type[Exception],
    error_type: str,
) -> None:
    fresh.fail_next(status, times=None)
    with pytest.raises(error_class) as caught:
        retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert isinstance(caught.value, anthropic.APIStatusError)
    assert caught.value.type == error_type
    assert fresh.journal.call_count == 1
    # Injected on purpose: not a request the real API would have refused.
    assert fresh.failures() == []


def test_x_should_retry_false_stops_the_sdk_from_retrying_a_5xx(
    fresh: MockServer, retrying: anthropic.Anthropic
) -> None:
    fresh.fail_next(529, times=None, headers={"x-should-retry": "false"})
    with pytest.raises(anthropic.OverloadedError):
        retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert fresh.journal.call_count == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http_error(429, retry_after=0.15),
        Fault.http_error(529, headers={"retry-after-ms": "150", "retry-after": "0"}),
    ],
)
def test_the_sdk_waits_as_long_as_retry_after_asks(
    fresh: MockServer, retrying: anthropic.Anthropic, fault: Fault
) -> None:
    fresh.inject(FaultRule(fault))
    started = time.monotonic()
    retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    waited = time.monotonic() - started
    assert [e.is_error for e in fresh.journal.messages()] == [True, False]
    assert 0.15 <= waited < 0.45


def test_a_scripted_429_tells_the_client_to_wait_a_second(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.fail_next(429)
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model=MODEL, max_tokens=50, messages=HI)
    headers = caught.value.response.headers
    assert (headers["retry-after"], headers.get("retry-after-ms")) == ("1", None)
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Rate limited"},
        "request_id": headers["request-id"],
    }


def test_a_dropped_connection_is_retried_and_journaled_without_a_status(
    fresh: MockServer, retrying: anthropic.Anthropic
) -> None:
    fresh.inject(FaultRule(Fault.disconnect()))
    reply = retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert reply.content[0].type == "text"
    dropped, answered = fresh.journal.messages()
    assert (dropped.status, dropped.interrupted, dropped.response) == (0, True, None)
    assert dropped.step == "fault:fault-1"
    assert (answered.status, answered.retry_count) == (200, 1)


def test_a_failed_attempt_leaves_the_scenario_step_for_the_retry(
    fresh: MockServer, retrying: anthropic.Anthropic
) -> None:
    fresh.reply_text("first answer")
    fresh.reply_text("second answer")
    fresh.fail_next(529, retry_after=QUICK)
    texts = []
    for _ in range(2):
        block = retrying.messages.create(model=MODEL, max_tokens=50, messages=HI).content[0]
        assert block.type == "text"
        texts.append(block.text)
    assert texts == ["first answer", "second answer"]
    assert fresh.failures() == []


SCENARIO = """
version: 1
name: busy-then-ok
steps:
  - reply: {error: {status: 529, headers: {retry-after-ms: 10}}}
    times: 2
  - reply: {error: rate_limit_error}
  - reply: {text: Recovered.}
"""


def test_scripted_scenario_errors_carry_the_apis_defaults_and_meet_the_retry_loop(
    fresh: MockServer, retrying: anthropic.Anthropic, client: anthropic.Anthropic, tmp_path: Path
) -> None:
    path = tmp_path / "busy.yaml"
    path.write_text(SCENARIO)
    fresh.load(path)
    fresh.fail_next(500, retry_after=QUICK)
    # An injected 500, then the scenario's two 529s: three attempts, all failed.
    with pytest.raises(anthropic.OverloadedError):
        retrying.messages.create(model=MODEL, max_tokens=50, messages=HI)
    # The scripted 429 names no wait, so it carries the API's.
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model=MODEL, max_tokens=50, messages=HI)
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.type == "rate_limit_error"
    assert caught.value.api_message == "Rate limited"
    recovered = client.messages.create(model=MODEL, max_tokens=50, messages=HI).content[0]
    assert recovered.type == "text"
    assert recovered.text == "Recovered."
    calls = fresh.journal.messages()
    assert [(e.status, e.step, e.retry_count) for e in calls] == [
        (500, "fault:fault-1", 0),
        (529, "busy-then-ok/steps[0]", 1),
        (529, "busy-then-ok/steps[0]", 2),
        (429, "busy-then-ok/steps[1]", 0),
        (200, "busy-then-ok/steps[2]", 0),
    ]
    assert calls[1].error == {"type": "overloaded_error", "message": "Overloaded"}
