"""MockServer as a library: outside pytest's fixtures, the way unittest code or a script uses it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, api_headers

from mockserver.config import Config
from mockserver.server import MockServer
from mockserver.verify import Checks

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def sdk(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="test", max_retries=0) as client:
        yield client


def test_context_manager_starts_on_a_free_port_and_stops() -> None:
    server = MockServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
    with server:
        assert server.port
        assert httpx2.get(f"{server.base_url}/_mock/health").json()["status"] == "ok"
        url = server.base_url
    assert server.port is None
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/_mock/health")


def test_a_busy_port_fails_start_with_the_os_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="address already in use"):
            MockServer(Config(port=port)).start()


def test_env_points_an_sdk_built_with_defaults_at_the_server(
    fresh: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fresh.env.items():
        monkeypatch.setenv(name, value)
    with anthropic.Anthropic(max_retries=0) as client:
        client.messages.create(model=MODEL, max_tokens=16, messages=HI)
    # SDK 2.x sends the key as a bearer token.
    sent = fresh.journal.last_call.headers["authorization"]
    assert sent == f"Bearer {fresh.env['ANTHROPIC_API_KEY']}"


def test_a_stream_is_journaled_by_the_time_the_sdk_has_read_it(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    # The journal entry is written after the last byte leaves; reading it must still
    # never miss the exchange the client has just finished.
    for count in range(1, 41):
        with sdk.messages.stream(model=MODEL, max_tokens=16, messages=HI) as stream:
            stream.get_final_message()
        assert fresh.journal.call_count == count
        assert fresh.journal.last_call.streamed


def test_reset_forgets_the_journal(fresh: MockServer, sdk: anthropic.Anthropic) -> None:
    sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    assert fresh.journal.call_count == 1
    fresh.reset()
    assert len(fresh.journal) == 0


def test_verify_fails_on_a_request_the_api_would_reject(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.create(model="claude-nope", max_tokens=16, messages=HI)
    with pytest.raises(AssertionError) as failure:
        fresh.verify()
    message = str(failure.value)
    assert "1 request the real API would have rejected" in message
    assert "model='claude-nope'" in message
    assert "404 not_found_error: model: claude-nope" in message
    assert fresh.failures(Checks(violations=False)) == []


def test_verify_lists_problems_of_a_malformed_raw_request(fresh: MockServer) -> None:
    httpx2.post(f"{fresh.base_url}/v1/messages", content=b"{not json", headers=api_headers())
    failures = fresh.failures()
    assert len(failures) == 1
    assert "400 invalid_request_error" in failures[0]


def test_expect_rejection_exempts_what_the_block_sent(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    with fresh.expect_rejection() as rejected, pytest.raises(anthropic.NotFoundError):
        sdk.messages.create(model="claude-nope", max_tokens=16, messages=HI)
    assert [e.status for e in rejected] == [404]
    sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    fresh.verify()


def test_expect_rejection_fails_when_nothing_was_rejected(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    with (
        pytest.raises(AssertionError, match="none was rejected"),
        fresh.expect_rejection(),
    ):
        sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)


def test_reset_also_forgets_expected_rejections(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    with fresh.expect_rejection(), pytest.raises(anthropic.NotFoundError):
        sdk.messages.create(model="claude-nope", max_tokens=16, messages=HI)
    fresh.reset()
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.create(model="claude-nope", max_tokens=16, messages=HI)
    assert len(fresh.failures()) == 1
