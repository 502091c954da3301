"""Rate-limit headers without configured limits: the nominal Tier 4 figures, never a 429."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import anthropic
from anthropic.types import MessageParam
from conftest import MODEL

from mockserver.clock import Clock
from mockserver.faults.ratelimit import RateLimiter
from mockserver.scripting.reply import Reply
from mockserver.server import MockServer

PREFIX = "anthropic-ratelimit-"
KINDS = ("requests", "tokens", "input-tokens", "output-tokens")
HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]


def header(headers: Mapping[str, str], kind: str, field: str) -> str:
    return headers[f"{PREFIX}{kind}-{field}"]


def nearest_thousand(value: int) -> str:
    return str((max(0, value) + 500) // 1000 * 1000)


def test_a_plain_call_carries_every_header_counting_down(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    prompt: list[MessageParam] = [{"role": "user", "content": "lorem ipsum " * 1500}]
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=prompt)
    used = raw.parse().usage.input_tokens
    assert used > 3_000
    names = {name for name in raw.headers if name.startswith(PREFIX)}
    assert names == {f"{PREFIX}{k}-{f}" for k in KINDS for f in ("limit", "remaining", "reset")}
    assert [header(raw.headers, k, "limit") for k in KINDS] == [
        "4000",
        "2000000",
        "2000000",
        "400000",
    ]
    # The buckets were full (reset() empties the server's state): this request's share.
    assert header(raw.headers, "requests", "remaining") == "3999"
    assert header(raw.headers, "input-tokens", "remaining") == nearest_thousand(2_000_000 - used)
    # The input bucket is the emptier one, by share of its limit.
    assert header(raw.headers, "tokens", "remaining") == header(
        raw.headers, "input-tokens", "remaining"
    )
    for kind in KINDS:
        reset = datetime.strptime(header(raw.headers, kind, "reset"), "%Y-%m-%dT%H:%M:%S%z")
        assert 0 <= reset.timestamp() - fresh.state.clock.now() <= 61
    # They refill at 4,000 a minute (one every 15 ms) while requests count down.
    remaining = []
    for _ in range(10):
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
        remaining.append(int(header(raw.headers, "requests", "remaining")))
    assert max(remaining) <= 3999
    assert min(remaining) < 3999


def test_count_tokens_is_not_counted_against_the_messages_limits(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    for _ in range(5):
        client.messages.count_tokens(model=MODEL, messages=HI)
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
    assert header(raw.headers, "requests", "remaining") == "3999"


def test_a_stream_shows_max_tokens_held_then_what_was_used(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    with client.messages.stream(model=MODEL, max_tokens=50_000, messages=HI) as stream:
        held = header(stream.response.headers, "output-tokens", "remaining")
        stream.get_final_message()
    assert held == "350000"
    raw = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=50_000, messages=HI, timeout=30
    )
    # The hold was given back down to the few tokens used.
    assert header(raw.headers, "output-tokens", "remaining") == "400000"


def test_a_burst_past_the_nominal_budget_is_never_refused(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    # Seven replies of 60,000 output tokens each are more than a minute's 400,000.
    fresh.reply(Reply.text("A long answer.", usage={"output_tokens": 60_000}), times=7)
    fresh.reply_text("More.", times=3)
    seen = []
    for _ in range(10):
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=64_000, messages=HI, timeout=30
        )
        seen.append(int(header(raw.headers, "output-tokens", "remaining")))
    # Refilling at ~6,700 a second, the figures drift up by a little while the test runs.
    expected = [max(0, 400_000 - 60_000 * n) for n in range(1, 11)]
    assert all(0 <= got - want <= 5_000 for got, want in zip(seen, expected, strict=True))
    assert seen[-1] <= 5_000
    assert {e.status for e in fresh.journal.messages()} == {200}
    # The bucket stopped at zero rather than running into debt (20,000 tokens after the
    # seventh reply): half a minute refills half of it.
    fresh.advance_clock(30)
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
    assert 200_000 <= int(header(raw.headers, "output-tokens", "remaining")) <= 205_000


class StoppedClock(Clock):
    """Time that moves only when the test moves it: refills happen only then."""

    def __init__(self) -> None:
        super().__init__()
        self._at = 1_800_000_000.0

    def now(self) -> float:
        return self._at

    def advance(self, seconds: float) -> None:
        self._at += seconds


def test_requests_past_the_nominal_limit_are_counted_to_zero_and_refill() -> None:
    clock = StoppedClock()
    limiter = RateLimiter(None, clock)
    for _ in range(4_005):
        admission = limiter.admit("k", input_tokens=10, output_tokens=100, org_id="o", model=MODEL)
        headers = admission.finish({"input_tokens": 10, "output_tokens": 0}, streamed=False)
    assert header(headers, "requests", "remaining") == "0"
    assert header(headers, "requests", "reset") == "2027-01-15T08:01:00Z"
    clock.advance(1.5)
    assert header(limiter.headers("k"), "requests", "remaining") == "100"
    # Streamed: the headers show max_tokens held, the bucket keeps only what was used.
    admission = limiter.admit("k", input_tokens=0, output_tokens=64_000, org_id="o", model=MODEL)
    streamed = admission.finish({"input_tokens": 0, "output_tokens": 3_000}, streamed=True)
    assert header(streamed, "output-tokens", "remaining") == nearest_thousand(400_000 - 64_000)
    assert header(limiter.headers("k"), "output-tokens", "remaining") == "397000"
