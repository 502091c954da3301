"""Shared fixtures: real servers on free 127.0.0.1 ports, and SDK clients pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import fuzz_profiles
import httpx2
import pytest
from response_check import assert_responses_valid

from mockserver.config import Config
from mockserver.server import MockServer

TEST_KEY = "sk-ant-test-key"
MODEL = "claude-sonnet-4-6"

fuzz_profiles.register()

ServerFactory = Callable[..., MockServer]

# How a stream the server cut or stalled reaches a user: from 2.17 the SDK wraps the
# transport's failure in its own errors; 2.12-2.16 let the transport's exception through.
# The tests accept either and assert on what the server did (the journal), not the wording.
STREAM_CUT = (anthropic.APIConnectionError, httpx2.RemoteProtocolError)
STREAM_TIMEOUT = (anthropic.APITimeoutError, httpx2.ReadTimeout)


@pytest.fixture(scope="session")
def server() -> Iterator[MockServer]:
    """One default server for the session; tests that change state use `server_factory`."""
    with MockServer(Config(port=0)) as srv:
        yield srv


@pytest.fixture
def fresh(server: MockServer) -> Iterator[MockServer]:
    """The session server, reset; every response it sent in the test is schema-checked after."""
    server.reset()
    yield server
    assert_responses_valid(server.journal.all())


@pytest.fixture
def server_factory() -> Iterator[ServerFactory]:
    """Start servers with their own Config; all are stopped after the test."""
    started: list[MockServer] = []

    def make(**options: Any) -> MockServer:
        srv = MockServer(Config(port=0, **options)).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
    for srv in started:
        assert_responses_valid(srv.journal.all())


@pytest.fixture
def client(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    """The official SDK, as a user builds it (Bearer auth, API version 2026-10-21)."""
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def http(fresh: MockServer) -> Iterator[httpx2.Client]:
    """A raw HTTP client for what the SDK cannot send (bad JSON, odd headers)."""
    with httpx2.Client(base_url=fresh.base_url, timeout=10) as raw:
        yield raw


def api_headers(version: str = "2023-06-01", **extra: str) -> dict[str, str]:
    return {"x-api-key": TEST_KEY, "anthropic-version": version, **extra}
