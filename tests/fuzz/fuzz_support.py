"""What every fuzzed answer must be, and how a request is sent."""

from __future__ import annotations

import httpx2

from mockserver.server import MockServer

HEADERS = {"x-api-key": "sk-ant-fuzz", "content-type": "application/json"}
BETA = "interleaved-thinking-2025-05-14"


def send(
    client: httpx2.Client, path: str, raw: bytes, version: str, beta: str | None
) -> httpx2.Response:
    headers = {**HEADERS, "anthropic-version": version}
    if beta is not None:
        headers["anthropic-beta"] = beta
    return client.post(path, content=raw, headers=headers)


def assert_answered(response: httpx2.Response) -> None:
    """Below 500, and an error is the API's envelope with a type and a message."""
    assert response.status_code < 500, response.text[:2_000]
    if response.status_code >= 400:
        error = response.json()
        assert error["type"] == "error", error
        assert isinstance(error["error"]["type"], str), error
        assert isinstance(error["error"]["message"], str), error
    elif response.headers.get("content-type", "").startswith("text/event-stream"):
        # A stream ends with message_stop, or with an error event the API also sends.
        assert "event: message_stop" in response.text or "event: error" in response.text


def assert_healthy(server: MockServer) -> None:
    """A plain request is answered, and the admin API's journal and report still answer."""
    with httpx2.Client(base_url=server.base_url, timeout=30) as http:
        ok = http.post(
            "/v1/messages",
            json={
                "model": "claude-sonnet-4-6",
                "max_tokens": 16,
                "messages": [{"role": "user", "content": "still there?"}],
            },
            headers={**HEADERS, "anthropic-version": "2023-06-01"},
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["type"] == "message"
        for route in ("/_mock/journal", "/_mock/report", "/_mock/report?format=text"):
            answer = http.get(route)
            assert answer.status_code == 200, (route, answer.text[:2_000])
