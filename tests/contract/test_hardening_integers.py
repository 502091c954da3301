"""Integer fields sent as JSON floats are read as the API's validators read them (issue 15):
a whole float is that integer, meeting every rule an integer meets; a fraction is refused."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers


def ask(http: httpx2.Client, max_tokens: Any, **extra: Any) -> httpx2.Response:
    body = {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": "hi"}],
    }
    return http.post("/v1/messages", json=body | extra, headers=api_headers())


def test_a_whole_float_over_the_model_maximum_is_refused(http: httpx2.Client) -> None:
    reply = ask(http, 200000.0)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"].startswith("max_tokens: 200000 > 128000")


def test_an_integer_past_64_bits_is_refused_by_the_maximum(http: httpx2.Client) -> None:
    reply = ask(http, 2**64)
    assert reply.status_code == 400
    assert "maximum allowed number of output tokens" in reply.json()["error"]["message"]


def test_a_whole_float_cuts_the_reply(http: httpx2.Client) -> None:
    reply = ask(http, 5.0)
    assert reply.status_code == 200
    assert reply.json()["stop_reason"] == "max_tokens"
    assert reply.json()["usage"]["output_tokens"] == 5


def test_zero_as_a_float_is_a_pre_warm(http: httpx2.Client) -> None:
    reply = ask(http, 0.0)
    assert reply.status_code == 200
    assert reply.json()["content"] == []


def test_a_whole_float_budget_is_checked_against_max_tokens(http: httpx2.Client) -> None:
    reply = ask(http, 2000, thinking={"type": "enabled", "budget_tokens": 4000.0})
    assert reply.status_code == 400
    assert "budget_tokens" in reply.json()["error"]["message"]


@pytest.mark.parametrize("value", [5.5, 1e-3])
def test_a_fraction_is_not_an_integer(http: httpx2.Client, value: float) -> None:
    reply = ask(http, value)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        "max_tokens: Input should be a valid integer, got a number with a fractional part"
    )
