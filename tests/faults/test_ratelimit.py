"""Token buckets per key, the anthropic-ratelimit-* headers, and the API's 429 (pure, no HTTP)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mockserver.clock import Clock
from mockserver.errors import RateLimited
from mockserver.faults.ratelimit import RateLimiter, RateLimits

ORG = "4f1c1a6e-0000-4000-8000-000000000000"
MODEL = "claude-sonnet-4-6"
PREFIX = "anthropic-ratelimit-"


def admit(limiter: RateLimiter, key: str = "k", *, inputs: int = 0, outputs: int = 0) -> None:
    limiter.admit(key, input_tokens=inputs, output_tokens=outputs, org_id=ORG, model=MODEL)


def reset_in(headers: dict[str, str], name: str, clock: Clock) -> float:
    """Seconds from now until the `-reset` time of `name`."""
    stamp = datetime.strptime(headers[f"{PREFIX}{name}-reset"], "%Y-%m-%dT%H:%M:%S%z")
    return stamp.timestamp() - clock.now()


def test_requests_count_down_and_come_back_gradually_as_the_clock_moves() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(requests_per_minute=3), clock)
    remaining = []
    for _ in range(3):
        admit(limiter)
        remaining.append(limiter.headers("k")[f"{PREFIX}requests-remaining"])
    assert remaining == ["2", "1", "0"]
    with pytest.raises(RateLimited) as caught:
        admit(limiter)
    # 3 a minute refill one every 20 seconds.
    assert caught.value.headers["retry-after"] == "20"
    assert caught.value.message.startswith(
        "This request would exceed your organization's rate limit of 3 requests per minute "
        f"(org: {ORG}, model: {MODEL})."
    )
    assert 59 <= reset_in(caught.value.headers, "requests", clock) <= 61
    clock.advance(20)
    admit(limiter)
    clock.advance(60)
    assert limiter.headers("k")[f"{PREFIX}requests-remaining"] == "3"


def test_token_remaining_is_rounded_to_the_nearest_thousand() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(input_tokens_per_minute=10_000), clock)
    admit(limiter, inputs=2_600)
    headers = limiter.headers("k")
    assert headers[f"{PREFIX}input-tokens-limit"] == "10000"
    assert headers[f"{PREFIX}input-tokens-remaining"] == "7000"
    admit(limiter, inputs=1_000)
    assert limiter.headers("k")[f"{PREFIX}input-tokens-remaining"] == "6000"
    # A quarter of the minute refills a quarter of the limit.
    clock.advance(15)
    assert limiter.headers("k")[f"{PREFIX}input-tokens-remaining"] == "9000"


def test_a_request_that_does_not_fit_names_the_limit_and_the_wait_and_takes_nothing() -> None:
    clock = Clock()
    limits = RateLimits(requests_per_minute=100, input_tokens_per_minute=30_000)
    limiter = RateLimiter(limits, clock)
    admit(limiter, inputs=24_000)
    with pytest.raises(RateLimited) as caught:
        admit(limiter, inputs=12_000)
    assert "rate limit of 30,000 input tokens per minute" in caught.value.message
    # 6,000 short at 500 a second.
    assert caught.value.headers["retry-after"] == "12"
    assert caught.value.headers[f"{PREFIX}input-tokens-remaining"] == "6000"
    assert limiter.headers("k")[f"{PREFIX}requests-remaining"] == "99"


def test_output_holds_max_tokens_and_gives_back_what_the_reply_did_not_use() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(output_tokens_per_minute=8_000), clock)
    admission = limiter.admit("k", input_tokens=0, output_tokens=6_000, org_id=ORG, model=MODEL)
    assert limiter.headers("k")[f"{PREFIX}output-tokens-remaining"] == "2000"
    admission.finish({"output_tokens": 1_000}, streamed=False)
    assert limiter.headers("k")[f"{PREFIX}output-tokens-remaining"] == "7000"
    with pytest.raises(RateLimited, match="rate limit of 8,000 output tokens per minute"):
        admit(limiter, outputs=9_000)


def test_a_streams_headers_show_the_hold_a_json_answers_the_settled_figures() -> None:
    limiter = RateLimiter(RateLimits(output_tokens_per_minute=4_000), Clock())
    streamed = limiter.admit("k", input_tokens=0, output_tokens=3_000, org_id=ORG, model=MODEL)
    sent = streamed.finish({"output_tokens": 10}, streamed=True)
    assert sent[f"{PREFIX}output-tokens-remaining"] == "1000"
    plain = limiter.admit("k", input_tokens=0, output_tokens=3_000, org_id=ORG, model=MODEL)
    sent = plain.finish({"output_tokens": 10}, streamed=False)
    assert sent[f"{PREFIX}output-tokens-remaining"] == "4000"


def test_tokens_headers_show_the_limit_closest_to_running_out() -> None:
    limits = RateLimits(input_tokens_per_minute=100_000, output_tokens_per_minute=10_000)
    limiter = RateLimiter(limits, Clock())
    admit(limiter, inputs=10_000, outputs=6_000)
    headers = limiter.headers("k")
    assert headers[f"{PREFIX}tokens-limit"] == "10000"
    assert headers[f"{PREFIX}tokens-remaining"] == "4000"
    assert set(headers) == {
        f"{PREFIX}{kind}-{part}"
        for kind in ("input-tokens", "output-tokens", "tokens")
        for part in ("limit", "remaining", "reset")
    }


def test_cache_reads_and_creation_settle_against_the_input_limit() -> None:
    limiter = RateLimiter(RateLimits(input_tokens_per_minute=20_000), Clock())
    admission = limiter.admit("k", input_tokens=5_000, output_tokens=0, org_id=ORG, model=MODEL)
    usage = {"input_tokens": 1_000, "cache_creation_input_tokens": 2_000}
    admission.finish(usage | {"cache_read_input_tokens": 9_000}, streamed=False)
    assert limiter.headers("k")[f"{PREFIX}input-tokens-remaining"] == "17000"


def test_keys_have_their_own_buckets_and_limits() -> None:
    limiter = RateLimiter(RateLimits(requests_per_minute=1), Clock())
    admit(limiter, "a")
    admit(limiter, "b")
    with pytest.raises(RateLimited):
        admit(limiter, "a")
    limiter.set_limits(RateLimits(requests_per_minute=50), api_key="a")
    assert limiter.headers("a")[f"{PREFIX}requests-limit"] == "50"
    limiter.set_limits(None, api_key="b")
    for _ in range(5):
        admit(limiter, "b")
    # Lifted: the nominal figures, with buckets that start full again.
    assert limiter.headers("b")[f"{PREFIX}requests-limit"] == "4000"
    assert limiter.headers("b")[f"{PREFIX}requests-remaining"] == "4000"
    limiter.clear()
    assert limiter.limits_for("a") == RateLimits(requests_per_minute=1)


def test_limits_set_for_every_key_replace_the_configured_ones() -> None:
    limiter = RateLimiter(None, Clock())
    assert limiter.headers("k")[f"{PREFIX}output-tokens-limit"] == "400000"
    admit(limiter, outputs=10**9)
    limiter.set_limits(RateLimits(requests_per_minute=2))
    assert limiter.limits_for("any-key") == RateLimits(requests_per_minute=2)
    limiter.clear()
    assert limiter.limits_for("any-key") is None


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "60"])
def test_limits_must_be_positive_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="requests_per_minute must be"):
        RateLimits(requests_per_minute=bad)  # type: ignore[arg-type]
