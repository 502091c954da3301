"""Rate limits over real HTTP: headers on every answer, the API's 429, the clock refilling."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, TEST_KEY, ServerFactory

from mockserver.faults.ratelimit import RateLimits
from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
PREFIX = "anthropic-ratelimit-"


def nearest_thousand(value: int) -> str:
    return str((max(0, value) + 500) // 1000 * 1000)


def remaining(headers: Mapping[str, str], kind: str) -> str:
    return headers[f"{PREFIX}{kind}-remaining"]


def test_requests_count_down_hit_the_apis_429_and_recover_when_the_clock_moves(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(rate_limits=RateLimits(requests_per_minute=3))
    with anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0) as client:
        seen = []
        for _ in range(3):
            raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
            seen.append(remaining(raw.headers, "requests"))
        assert seen == ["2", "1", "0"]
        assert raw.headers[f"{PREFIX}requests-limit"] == "3"
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.messages.create(model=MODEL, max_tokens=10, messages=HI)
        org = server.state.organization_id
        error = caught.value.response.json()["error"]
        assert error["type"] == "rate_limit_error"
        assert error["message"].startswith(
            "This request would exceed your organization's rate limit of 3 "
            f"requests per minute (org: {org}, model: {MODEL})."
        )
        headers = caught.value.response.headers
        assert (headers["retry-after"], headers["x-should-retry"]) == ("20", "true")
        assert remaining(headers, "requests") == "0"
        reset = datetime.strptime(headers[f"{PREFIX}requests-reset"], "%Y-%m-%dT%H:%M:%S%z")
        assert 59 <= reset.timestamp() - server.state.clock.now() <= 61
        server.advance_clock(20)
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
        assert remaining(raw.headers, "requests") == "0"
    assert [e.status for e in server.journal.messages()] == [200, 200, 200, 429, 200]
    # Limits the test set up are not requests the client got wrong.
    assert server.failures() == []


def test_input_tokens_count_the_prompt_the_usage_reports(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.set_rate_limits(RateLimits(input_tokens_per_minute=20_000))
    prompt: list[MessageParam] = [{"role": "user", "content": "lorem ipsum " * 1500}]
    used = 0
    for _ in range(2):
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=prompt)
        used += raw.parse().usage.input_tokens
        assert remaining(raw.headers, "input-tokens") == nearest_thousand(20_000 - used)
        assert remaining(raw.headers, "tokens") == remaining(raw.headers, "input-tokens")
    assert used > 5_000
    fresh.advance_clock(60)
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
    assert remaining(raw.headers, "input-tokens") == "20000"


def test_output_tokens_hold_max_tokens_while_streaming_and_over_the_limit_is_refused(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.set_rate_limits(RateLimits(output_tokens_per_minute=8_000))
    with client.messages.stream(model=MODEL, max_tokens=6_000, messages=HI) as stream:
        held = remaining(stream.response.headers, "output-tokens")
        final = stream.get_final_message()
    assert held == "2000"
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=6_000, messages=HI)
    used = final.usage.output_tokens + raw.parse().usage.output_tokens
    assert remaining(raw.headers, "output-tokens") == nearest_thousand(8_000 - used)
    with pytest.raises(anthropic.RateLimitError, match="of 8,000 output tokens per minute"):
        client.messages.create(model=MODEL, max_tokens=9_000, messages=HI)


def test_limits_apply_per_key_and_reset_restores_the_configured_ones(fresh: MockServer) -> None:
    fresh.set_rate_limits(RateLimits(requests_per_minute=1), api_key="sk-ant-tight")
    with (
        anthropic.Anthropic(base_url=fresh.base_url, api_key="sk-ant-tight", max_retries=0) as a,
        anthropic.Anthropic(base_url=fresh.base_url, api_key="sk-ant-free", max_retries=0) as b,
    ):
        a.messages.create(model=MODEL, max_tokens=10, messages=HI)
        with pytest.raises(anthropic.RateLimitError):
            a.messages.create(model=MODEL, max_tokens=10, messages=HI)
        free = b.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
        # The other key has no limits: the nominal ones are shown, not the tight key's.
        assert free.headers[f"{PREFIX}requests-limit"] == "4000"
        fresh.reset()
        a.messages.create(model=MODEL, max_tokens=10, messages=HI)
        a.messages.create(model=MODEL, max_tokens=10, messages=HI)


def test_rate_limits_from_the_admin_api(fresh: MockServer, client: anthropic.Anthropic) -> None:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as admin:
        set_ = admin.put(
            "/rate-limits", json={"api_key": TEST_KEY, "requests_per_minute": 2}
        ).json()
        assert set_ == {
            "api_key": TEST_KEY,
            "limits": {
                "requests_per_minute": 2,
                "input_tokens_per_minute": None,
                "output_tokens_per_minute": None,
            },
        }
        client.messages.create(model=MODEL, max_tokens=10, messages=HI)
        state = admin.get("/rate-limits", params={"api_key": TEST_KEY}).json()
        assert remaining(state["headers"], "requests") == "1"
        refused = admin.put("/rate-limits", json={"requests_per_minute": 0})
        assert refused.json() == {"error": "requests_per_minute must be >= 1"}
        assert admin.put("/rate-limits", json={"rpm": 5}).status_code == 400
        assert admin.get("/rate-limits").status_code == 400
        assert admin.delete("/rate-limits").json() == {"reset": True}
        after = admin.get("/rate-limits", params={"api_key": TEST_KEY}).json()
        assert (after["api_key"], after["limits"]) == (TEST_KEY, None)
        assert remaining(after["headers"], "requests") == "4000"


def test_limits_lifted_for_one_key_then_for_all_and_set_again(fresh: MockServer) -> None:
    def limited(key: str) -> bool:
        with anthropic.Anthropic(base_url=fresh.base_url, api_key=key, max_retries=0) as sdk:
            answer = sdk.messages.with_raw_response.create(model=MODEL, max_tokens=10, messages=HI)
        # A key without limits shows the nominal 4,000 requests a minute.
        return answer.headers[f"{PREFIX}requests-limit"] == "100"

    assert not limited("sk-ant-a")
    fresh.set_rate_limits(RateLimits(requests_per_minute=100))
    assert (limited("sk-ant-a"), limited("sk-ant-b")) == (True, True)
    fresh.set_rate_limits(None, api_key="sk-ant-a")
    assert (limited("sk-ant-a"), limited("sk-ant-b")) == (False, True)
    fresh.set_rate_limits(None)
    assert (limited("sk-ant-a"), limited("sk-ant-b")) == (False, False)
    fresh.set_rate_limits(RateLimits(requests_per_minute=100), api_key="sk-ant-b")
    assert (limited("sk-ant-a"), limited("sk-ant-b")) == (False, True)
