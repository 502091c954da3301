"""The foundation end to end: the official SDK against the running server."""

from __future__ import annotations

import json
import socket
import time

import anthropic
import httpx2
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory, api_headers

from mockserver.server import MockServer

HI = [{"role": "user", "content": "Hello"}]
HI_LATE = [{"role": "user", "content": "Hello from a slow client"}]


def test_create_with_bearer_auth_and_2026_version(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == MODEL
    assert message.id.startswith("msg_01")
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text"
    assert message.content[0].text
    assert message.usage.input_tokens > 0
    assert message.usage.output_tokens > 0


def test_create_with_x_api_key_and_2023_version(fresh: MockServer) -> None:
    raw = httpx2.post(
        f"{fresh.base_url}/v1/messages",
        json={"model": MODEL, "max_tokens": 16, "messages": HI},
        headers=api_headers("2023-06-01"),
    )
    assert raw.status_code == 200
    assert raw.headers["request-id"].startswith("req_01")
    assert raw.json()["type"] == "message"


def test_every_response_carries_a_request_id(http: httpx2.Client) -> None:
    ok = http.get("/v1/models", headers=api_headers())
    missing = http.get("/v1/nothing-here")
    assert ok.headers["request-id"].startswith("req_")
    assert missing.headers["request-id"] == missing.json()["request_id"]


def test_stream_matches_the_sdk_helpers(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model=MODEL, max_tokens=64, messages=HI) as stream:
        text = stream.get_final_text()
        final = stream.get_final_message()
    plain = client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert text == plain.content[0].text
    assert final.stop_reason == plain.stop_reason
    assert final.usage.output_tokens == plain.usage.output_tokens


def test_beta_query_flag_is_ignored(http: httpx2.Client) -> None:
    response = http.post(
        "/v1/messages?beta=true",
        json={"model": MODEL, "max_tokens": 16, "messages": HI},
        headers=api_headers(),
    )
    assert response.status_code == 200


def test_head_root_is_answered(http: httpx2.Client) -> None:
    assert http.head("/").status_code == 200


def test_unknown_path_is_404_in_the_envelope(http: httpx2.Client) -> None:
    response = http.post("/v1/complete-me", json={}, headers=api_headers())
    assert response.status_code == 404
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "not_found_error"


def test_wrong_method_is_405_in_the_envelope(http: httpx2.Client) -> None:
    response = http.get("/v1/messages", headers=api_headers())
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/", 405),
        ("DELETE", "/v1/models", 405),
        ("PATCH", "/v1/messages/count_tokens", 405),
        ("GET", "/v1/messages/", 404),
        ("GET", "/v1/models/a/b", 404),
    ],
)
def test_unrouted_requests_are_answered_in_the_envelope_and_journaled(
    fresh: MockServer, http: httpx2.Client, method: str, path: str, status: int
) -> None:
    response = http.request(method, path, headers=api_headers())
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error"
    assert body["request_id"] == response.headers["request-id"]
    if status == 405:
        assert body["error"]["message"] == f"Method {method} is not allowed for this endpoint"
    [exchange] = fresh.journal.all()
    assert (exchange.method, exchange.path, exchange.status) == (method, path, status)


def _raw_post(base_url: str, parts: list[bytes], *, chunked: bool = False) -> bytes:
    """POST /v1/messages over a bare socket, the body sent in `parts` with a pause before
    each, so the server has started on the request before its body is all there."""
    host, port = base_url.removeprefix("http://").split(":")
    size = sum(map(len, parts))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"POST /v1/messages HTTP/1.1\r\nHost: {host}\r\nx-api-key: {TEST_KEY}\r\n"
        f"anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n{framing}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode())
        for part in parts:
            time.sleep(0.1)
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_that_arrives_after_the_headers_is_read_whole(
    fresh: MockServer, chunked: bool
) -> None:
    body = json.dumps({"model": MODEL, "max_tokens": 256, "messages": HI_LATE}).encode()
    received = _raw_post(fresh.base_url, [body[:20], body[20:]], chunked=chunked)
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert json.loads(answer)["content"][0]["text"].endswith('You said: "Hello from a slow client"')
    assert fresh.journal.all()[0].body["messages"] == HI_LATE


def test_missing_key_is_401(http: httpx2.Client) -> None:
    response = http.post(
        "/v1/messages",
        json={"model": MODEL, "max_tokens": 8, "messages": HI},
        headers={"anthropic-version": "2023-06-01"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == {
        "type": "authentication_error",
        "message": "x-api-key header is required",
    }


def test_configured_keys_reject_others(server_factory: ServerFactory) -> None:
    srv = server_factory(api_keys=frozenset({"good-key"}))
    with (
        anthropic.Anthropic(base_url=srv.base_url, api_key="good-key", max_retries=0) as good,
        anthropic.Anthropic(base_url=srv.base_url, api_key="bad-key", max_retries=0) as bad,
    ):
        assert good.messages.create(model=MODEL, max_tokens=8, messages=HI).type == "message"
        with pytest.raises(anthropic.AuthenticationError) as caught:
            bad.messages.create(model=MODEL, max_tokens=8, messages=HI)
    assert caught.value.body["error"]["message"] == "invalid x-api-key"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "anthropic-version: header is required"),
        ("2024-01-01", 'anthropic-version: "2024-01-01" is not a valid version'),
    ],
)
def test_api_version_is_required_and_known(
    http: httpx2.Client, version: str | None, message: str
) -> None:
    headers = {"x-api-key": TEST_KEY}
    if version:
        headers["anthropic-version"] = version
    response = http.post(
        "/v1/messages", json={"model": MODEL, "max_tokens": 8, "messages": HI}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": message}


def test_repeated_version_header_is_quoted_joined(http: httpx2.Client) -> None:
    response = http.post(
        "/v1/messages",
        json={"model": MODEL, "max_tokens": 8, "messages": HI},
        headers=[
            ("x-api-key", TEST_KEY),
            ("anthropic-version", "2023-06-01"),
            ("anthropic-version", "2023-06-01"),
        ],
    )
    assert response.json()["error"]["message"] == (
        'anthropic-version: "2023-06-01, 2023-06-01" is not a valid version'
    )


def test_unknown_beta_is_rejected_with_the_real_wording(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL,
            max_tokens=8,
            messages=HI,
            extra_headers={"anthropic-beta": "interleaved-thinking-2025-05-14,made-up-2099-01-01"},
        )
    assert caught.value.body["error"]["message"] == (
        "Unexpected value(s) `made-up-2099-01-01` for the `anthropic-beta` header. Please consult "
        "our documentation at docs.anthropic.com or try again without the header."
    )


def test_known_betas_comma_separated_and_repeated_pass(http: httpx2.Client) -> None:
    response = http.post(
        "/v1/messages",
        json={"model": MODEL, "max_tokens": 8, "messages": HI},
        headers=[
            ("x-api-key", TEST_KEY),
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14"),
            ("anthropic-beta", "context-management-2025-06-27"),
        ],
    )
    assert response.status_code == 200


def test_any_beta_switch_relaxes_unknown_betas(server_factory: ServerFactory) -> None:
    srv = server_factory(any_beta=True)
    response = httpx2.post(
        f"{srv.base_url}/v1/messages",
        json={"model": MODEL, "max_tokens": 8, "messages": HI},
        headers=api_headers(**{"anthropic-beta": "future-beta-2099-01-01"}),
    )
    assert response.status_code == 200


def test_unknown_model_is_404(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="claude-3.5-sonnet", max_tokens=8, messages=HI)
    assert caught.value.body["error"]["message"] == "model: claude-3.5-sonnet"


def test_any_model_switch_accepts_unknown_ids(server_factory: ServerFactory) -> None:
    srv = server_factory(any_model=True)
    with anthropic.Anthropic(base_url=srv.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        message = sdk.messages.create(model="my-finetune-1", max_tokens=8, messages=HI)
    assert message.model == "my-finetune-1"


def test_aliases_resolve_to_the_dated_id(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model="claude-haiku-4-5", max_tokens=8, messages=HI)
    assert message.model == "claude-haiku-4-5-20251001"


# The SDK warns that these ids are past end-of-life; the gateways' docs still use them.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_gateway_doc_model_ids_work(client: anthropic.Anthropic) -> None:
    for model in (
        "claude-3-opus-20240229",
        "claude-3-haiku-20240307",
        "claude-3-5-sonnet-20241022",
    ):
        assert client.messages.create(model=model, max_tokens=8, messages=HI).model == model


def test_count_tokens(client: anthropic.Anthropic) -> None:
    counted = client.messages.count_tokens(model=MODEL, messages=HI)
    assert counted.input_tokens > 0
