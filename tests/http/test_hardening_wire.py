"""What arrives broken on the wire is answered, not crashed on (issue 15): a body that does
not decode, a long header, an upload the client abandons, a client sending a byte a second.
No traceback is logged for any of them, and the server keeps serving."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers

from mockserver.server import MockServer

BODY = json.dumps(
    {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hello"}]}
).encode()
HEAD = (
    "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\n"
    "anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
)


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """The ERROR records logged during the test (server threads included)."""
    caplog.set_level(logging.INFO)
    found: list[logging.LogRecord] = []
    yield found
    found.extend(r for r in caplog.records if r.levelno >= logging.ERROR)
    assert found == [], [r.getMessage() for r in found]


def exchange(server: MockServer, request: bytes, *, close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        if close:
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def serves(server: MockServer) -> None:
    answer = httpx2.post(f"{server.base_url}/v1/messages", content=BODY, headers=api_headers())
    assert answer.status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_body_that_does_not_decompress_is_a_400_in_the_envelope(
    fresh: MockServer, errors: list[logging.LogRecord], encoding: str
) -> None:
    garbage = b"not compressed at all"
    request = f"{HEAD}content-encoding: {encoding}\r\ncontent-length: {len(garbage)}\r\n\r\n"
    answer = exchange(fresh, request.encode() + garbage)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    # The rest of the body cannot be framed: the connection is closed, not reused.
    assert b"Connection: close" in head
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == (
        f"The request body could not be decoded with its content-encoding ({encoding})"
    )
    assert fresh.journal.last is not None
    assert fresh.journal.last.status == 400
    serves(fresh)


def test_an_encoding_aiohttp_cannot_decode_is_refused_without_a_traceback(
    fresh: MockServer, errors: list[logging.LogRecord]
) -> None:
    # aiohttp refuses it in its parser, before any route runs: its plain-text 400.
    request = f"{HEAD}content-encoding: br\r\ncontent-length: 4\r\n\r\n"
    answer = exchange(fresh, request.encode() + b"abcd")
    assert answer.split(b"\r\n", 1)[0].endswith(b"400 Bad Request")
    serves(fresh)


def test_a_header_over_8190_bytes_is_served(fresh: MockServer) -> None:
    headers = api_headers(**{"x-long": "a" * 20_000})
    answer = httpx2.post(f"{fresh.base_url}/v1/messages", content=BODY, headers=headers)
    assert answer.status_code == 200


def test_an_abandoned_upload_is_journaled_as_dropped(
    fresh: MockServer, errors: list[logging.LogRecord]
) -> None:
    exchange(fresh, f"{HEAD}content-length: 1000\r\n\r\n".encode() + BODY[:10], close=True)
    deadline = time.monotonic() + 5
    while fresh.journal.last is None and time.monotonic() < deadline:
        time.sleep(0.02)
    last = fresh.journal.last
    assert last is not None
    assert last.status == 0
    assert last.interrupted
    serves(fresh)


def test_a_body_that_trickles_in_times_out_with_a_408(
    server_factory: ServerFactory, errors: list[logging.LogRecord]
) -> None:
    server = server_factory(body_read_timeout=0.5)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"{HEAD}content-length: {len(BODY)}\r\n\r\n".encode())
        answer = b""
        for byte in BODY:  # a byte every 0.1 s: the whole body would take seconds
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            sock.settimeout(0.1)
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        sock.settimeout(5)
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert time.monotonic() - started < 3
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b'"timeout_error"' in body
    serves(server)
