"""pytest plugin: a `mockserver` fixture backed by one server per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .config import Config
from .server import MockServer


@pytest.fixture(scope="session")
def make_mockserver() -> Iterator[MockServer]:
    """The session's server, started once on a free 127.0.0.1 port."""
    with MockServer(Config(port=0)) as server:
        yield server


@pytest.fixture
def mockserver(make_mockserver: MockServer, monkeypatch: pytest.MonkeyPatch) -> MockServer:
    """The session's server, reset for this test; the SDK's defaults point at it."""
    make_mockserver.reset()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", make_mockserver.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "mockserver-test-key")
    return make_mockserver
