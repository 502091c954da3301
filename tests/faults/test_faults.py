"""Fault rules as plain data: which requests they select, when they fire, the errors' headers."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.admin.faults import rule_from_json
from mockserver.contract.error_catalog import (
    rate_limit_message,
    retry_after_headers,
    scripted_error,
)
from mockserver.faults.rules import Fault, FaultBook, FaultRule, Target, fail_next
from mockserver.scripting.reply import ErrorReply
from mockserver.scripting.stream_plan import StreamFault

PLAIN = Target("messages", "key-a", None, streaming=False)
STREAMED = Target("messages", "key-a", None, streaming=True)


def fired(rule: FaultRule, requests: int, target: Target = PLAIN) -> list[int]:
    """Which of `requests` requests (1-based) the rule struck."""
    book = FaultBook()
    book.add(rule)
    return [n for n in range(1, requests + 1) if book.strike(target, f"req_{n}") is not None]


def test_fail_next_fires_the_given_number_of_times_then_stops() -> None:
    assert fired(fail_next(529, times=2), 5) == [1, 2]


def test_every_third_request_without_end() -> None:
    assert fired(FaultRule(Fault.disconnect(), times=None, every=3), 10) == [3, 6, 9]


def test_probability_is_reproducible_under_a_seed_and_differs_between_seeds() -> None:
    def pattern(seed: int) -> list[int]:
        return fired(FaultRule(Fault.http_error(500), times=None, probability=0.3, seed=seed), 200)

    first, again, other = pattern(7), pattern(7), pattern(8)
    assert first == again
    assert first != other
    # About 30% of 200, far from none and from all.
    assert 35 <= len(first) <= 85


def test_rules_select_by_key_session_stream_and_endpoint() -> None:
    book = FaultBook()
    only_b = book.add(fail_next(429, api_key="key-b", times=None))
    only_session = book.add(fail_next(500, session="s1", times=None))
    only_streams = book.add(FaultRule(Fault.truncate(), streaming=True, times=None))
    tokens = book.add(fail_next(529, endpoint="count_tokens", times=None))

    assert book.strike(PLAIN, "r1") is None
    assert book.strike(Target("messages", "key-b", None, False), "r2") is only_b
    assert book.strike(Target("messages", "key-a", "s1", False), "r3") is only_session
    assert book.strike(STREAMED, "r4") is only_streams
    assert book.strike(Target("count_tokens", "key-a", None, False), "r5") is tokens
    assert [r.struck for r in book.rules()] == [["r2"], ["r3"], ["r4"], ["r5"]]


def test_a_fault_inside_the_stream_passes_over_plain_requests_without_counting_them() -> None:
    rule = FaultRule(Fault.in_stream(StreamFault("error", after_events=2)))
    book = FaultBook()
    book.add(rule)
    assert book.strike(PLAIN, "plain") is None
    assert rule.seen == 0
    assert book.strike(STREAMED, "streamed") is rule


def test_rules_are_tried_in_order_and_an_exhausted_one_steps_aside() -> None:
    book = FaultBook()
    first = book.add(fail_next(529))
    second = book.add(fail_next(500, times=None))
    hits = [book.strike(PLAIN, f"r{n}") for n in range(3)]
    assert hits == [first, second, second]
    assert (first.name, second.name) == ("fault-1", "fault-2")
    assert first.exhausted
    assert not second.exhausted


def test_names_are_unique_and_rules_can_be_removed() -> None:
    book = FaultBook()
    book.add(fail_next(529, times=1))
    with pytest.raises(ValueError, match="already in force"):
        book.add(FaultRule(Fault.disconnect(), name="fault-1"))
    assert book.remove("fault-1")
    assert not book.remove("fault-1")
    assert book.strike(PLAIN, "r") is None


@pytest.mark.parametrize(
    ("make", "wording"),
    [
        (lambda: Fault("error"), "needs an error"),
        (lambda: Fault.http_error(200), "from 400 to 599"),
        (lambda: Fault("stream"), "needs a StreamFault"),
        (lambda: Fault.truncate(keep=1.0), "below 1"),
        (lambda: Fault.latency(-1), "delay must be a number >= 0"),
        (lambda: FaultRule(Fault.disconnect(), times=0), "times must be an integer >= 1"),
        (lambda: FaultRule(Fault.disconnect(), every=0), "every must be an integer >= 1"),
        (lambda: FaultRule(Fault.disconnect(), probability=1.5), "between 0 and 1"),
        (lambda: FaultRule(Fault.disconnect(), endpoint="models"), "endpoint must be one of"),  # type: ignore[arg-type]
    ],
)
def test_impossible_faults_are_refused(make: Any, wording: str) -> None:
    with pytest.raises(ValueError, match=wording):
        make()


def test_retry_after_in_whole_seconds_and_milliseconds_for_a_finer_wait() -> None:
    assert retry_after_headers(2) == {"retry-after": "2"}
    assert retry_after_headers(0.05) == {"retry-after": "1", "retry-after-ms": "50"}
    assert retry_after_headers(1.5) == {"retry-after": "2", "retry-after-ms": "1500"}


@pytest.mark.parametrize(
    ("status", "error_type", "message", "headers"),
    [
        (400, "invalid_request_error", "Invalid request", {}),
        (401, "authentication_error", "Authentication error", {}),
        (403, "permission_error", "Permission denied", {}),
        (404, "not_found_error", "Not found", {}),
        (413, "request_too_large", "Request exceeds the maximum size", {}),
        (429, "rate_limit_error", "Rate limited", {"retry-after": "1"}),
        (500, "api_error", "Internal server error", {}),
        (504, "timeout_error", "Request timeout", {}),
        (529, "overloaded_error", "Overloaded", {}),
    ],
)
def test_a_status_alone_answers_with_the_apis_type_message_and_headers(
    status: int, error_type: str, message: str, headers: dict[str, str]
) -> None:
    error = scripted_error(ErrorReply(status))
    assert (error.status_code, error.type, error.message) == (status, error_type, message)
    assert error.headers == headers


def test_a_chosen_wait_replaces_the_default_one_in_either_unit() -> None:
    error = scripted_error(ErrorReply(429, headers={"Retry-After-Ms": "20"}))
    assert error.headers == {"Retry-After-Ms": "20"}
    fault = Fault.http_error(429, retry_after=3, headers={"x-extra": "1"})
    assert fault.error is not None
    assert scripted_error(fault.error).headers == {"retry-after": "3", "x-extra": "1"}


def test_rate_limit_message_is_worded_as_the_api_words_it() -> None:
    text = rate_limit_message(30000, "input tokens", "org-1", "claude-sonnet-4-6")
    assert text.startswith(
        "This request would exceed your organization's rate limit of 30,000 input tokens per "
        "minute (org: org-1, model: claude-sonnet-4-6). For details, refer to: "
        "https://docs.claude.com/en/api/rate-limits. You can see the response headers for "
        "current usage."
    )
    assert text.endswith("to discuss your options for a rate limit increase.")


def test_rules_from_admin_json() -> None:
    rule = rule_from_json(
        {"status": 429, "retry_after": 0.02, "times": None, "every": 2, "api_key": "k"}
    )
    assert rule.fault.error == ErrorReply(
        429, None, None, {"retry-after": "1", "retry-after-ms": "20"}
    )
    assert (rule.times, rule.every, rule.api_key) == (None, 2, "k")
    stream = rule_from_json({"kind": "stream", "stream": {"kind": "disconnect", "after_bytes": 9}})
    assert stream.fault.stream == StreamFault("disconnect", after_bytes=9)
    assert rule_from_json({"kind": "truncate", "keep": 0.25}).fault == Fault.truncate(0.25)


@pytest.mark.parametrize(
    ("data", "wording"),
    [
        ([1], "must be a JSON object"),
        ({"status": 529, "tims": 2}, "unknown fault rule fields: tims"),
        ({"kind": "explode"}, "fault kind must be one of"),
        ({"kind": "stream"}, 'needs "stream"'),
        ({"status": "529"}, "an integer from 400 to 599"),
        ({"times": "2"}, "times must be an integer"),
        ({"probability": True}, "probability must be a number"),
    ],
)
def test_bad_admin_json_is_refused_with_a_reason(data: Any, wording: str) -> None:
    with pytest.raises(ValueError, match=wording):
        rule_from_json(data)
