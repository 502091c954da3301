"""Generated requests, valid and broken, against one server: every answer is below 500 and
in the API's error envelope when it is an error, and the server keeps serving after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fuzz_support import BETA, HEADERS, assert_answered, assert_healthy, send
from hypothesis import given
from hypothesis import strategies as st
from mutate import broken_bytes, mutated_json
from response_check import assert_responses_valid
from schema_strategy import request_body, served_models

from mockserver.config import Config
from mockserver.server import MockServer

MODELS = served_models()
# (path, schema root, anthropic-version, beta header)
ROUTES = [
    ("/v1/messages", "create_2023", "2023-06-01", None),
    ("/v1/messages", "create_2026", "2026-10-21", None),
    ("/v1/messages", "create_beta_2023", "2023-06-01", BETA),
    ("/v1/messages/count_tokens", "count_tokens", "2023-06-01", None),
]
_BODIES = {root: request_body(root, MODELS) for _, root, _, _ in ROUTES}


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[MockServer]:
    # The journal is capped so a long run holds a bounded amount; what it keeps is checked.
    with MockServer(Config(port=0, journal_limit=300)) as server:
        yield server
        assert_healthy(server)
        assert_responses_valid(server.journal.all())


@pytest.fixture(scope="module")
def client(fuzzed: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=fuzzed.base_url, timeout=60) as http:
        yield http


def _route_and_body(route: int) -> tuple[tuple[str, str, str, str | None], Any]:
    return ROUTES[route], _BODIES[ROUTES[route][1]]


@pytest.mark.parametrize("route", range(len(ROUTES)))
@given(data=st.data())
def test_valid_requests_are_answered(
    client: httpx2.Client, route: int, data: st.DataObject
) -> None:
    (path, _, version, beta), bodies = _route_and_body(route)
    body = data.draw(bodies)
    response = send(client, path, json.dumps(body).encode(), version, beta)
    assert_answered(response)


@given(route=st.integers(0, len(ROUTES) - 1), data=st.data())
def test_mutated_requests_are_refused_cleanly(
    client: httpx2.Client, route: int, data: st.DataObject
) -> None:
    (path, _, version, beta), bodies = _route_and_body(route)
    body = data.draw(mutated_json(data.draw(bodies)))
    response = send(client, path, json.dumps(body).encode(), version, beta)
    assert_answered(response)


@given(route=st.integers(0, len(ROUTES) - 1), data=st.data())
def test_broken_bytes_are_refused_cleanly(
    client: httpx2.Client, route: int, data: st.DataObject
) -> None:
    (path, _, version, beta), bodies = _route_and_body(route)
    raw = data.draw(broken_bytes(data.draw(bodies)))
    response = send(client, path, raw, version, beta)
    assert_answered(response)


@given(
    name=st.sampled_from(["content-type", "anthropic-version", "anthropic-beta", "x-api-key"]),
    # h11 (the client) refuses to send values with outer whitespace
    value=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60).map(
        str.strip
    ),
)
def test_odd_header_values_are_refused_cleanly(
    client: httpx2.Client, name: str, value: str
) -> None:
    body = {"model": MODELS[0], "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    headers = {**HEADERS, "anthropic-version": "2023-06-01", name: value}
    response = client.post("/v1/messages", content=json.dumps(body).encode(), headers=headers)
    assert_answered(response)


def test_the_server_is_healthy_after_the_run(fuzzed: MockServer, client: httpx2.Client) -> None:
    # Last in the module: what the run left behind must not stop a plain request.
    assert_healthy(fuzzed)
    assert fuzzed.journal.all(), "the run's exchanges were journaled"
