"""The simulated clock refuses NaN, infinity and absurd jumps, and reset restores it."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers

from mockserver.faults.ratelimit import RateLimits
from mockserver.server import MockServer

PLAIN = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hello"}]}
JSON = {"content-type": "application/json"}
REFUSED = '"seconds" must be finite and at most 3155760000 (100 years)'


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"1" + b"0" * 400])
def test_non_finite_or_huge_seconds_are_refused(
    fresh: MockServer, admin: httpx2.Client, raw: bytes
) -> None:
    before = admin.get("/clock").json()["now"]
    answer = admin.post("/clock/advance", content=b'{"seconds": ' + raw + b"}", headers=JSON)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error in (REFUSED, '"seconds" must be a number >= 0')
    now = admin.get("/clock").json()["now"]
    assert math.isfinite(now)
    assert before <= now < before + 60
    plain = httpx2.post(f"{fresh.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert plain.status_code == 200


def test_the_largest_jump_is_100_years(admin: httpx2.Client) -> None:
    now = admin.get("/clock").json()["now"]
    assert admin.post("/clock/advance", json={"seconds": 3_155_760_000}).json()["now"] >= now
    assert admin.post("/clock/advance", json={"seconds": 3_155_760_001}).json() == {
        "error": REFUSED
    }


def test_python_refuses_nan_too(fresh: MockServer) -> None:
    with pytest.raises(ValueError, match="finite"):
        fresh.advance_clock(math.nan)
    with pytest.raises(ValueError, match="finite"):
        fresh.advance_clock(math.inf)
    assert math.isfinite(fresh.advance_clock(1))


def test_reset_restores_the_clock(fresh: MockServer, admin: httpx2.Client) -> None:
    start = admin.get("/clock").json()["now"]
    admin.post("/clock/advance", json={"seconds": 86_400})
    assert admin.post("/reset").status_code == 200
    assert admin.get("/clock").json()["now"] < start + 60
    fresh.advance_clock(86_400)
    fresh.reset()
    assert admin.get("/clock").json()["now"] < start + 60


def test_rate_limited_requests_survive_a_refused_advance(server_factory: ServerFactory) -> None:
    server = server_factory(rate_limits=RateLimits(requests_per_minute=50))
    with httpx2.Client(base_url=server.base_url, timeout=10) as raw:
        refused = raw.post("/_mock/clock/advance", content=b'{"seconds": NaN}', headers=JSON)
        assert refused.status_code == 400
        for _ in range(3):
            answer = raw.post("/v1/messages", json=PLAIN, headers=api_headers())
            assert answer.status_code == 200
            assert answer.headers["anthropic-ratelimit-requests-limit"] == "50"
