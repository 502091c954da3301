"""Bad input gets the API's 400 envelope with a precise message, and the server keeps serving."""

from __future__ import annotations

import json

import anthropic
import httpx2
import pytest
from conftest import MODEL, TEST_KEY, api_headers

from mockserver.server import MockServer

HI = [{"role": "user", "content": "Hello"}]
JSON = {"content-type": "application/json"}


def post(http: httpx2.Client, content: bytes, **headers: str) -> httpx2.Response:
    return http.post("/v1/messages", content=content, headers=api_headers(**JSON, **headers))


def message_of(response: httpx2.Response) -> str:
    body = response.json()
    assert body["type"] == "error"
    assert body["request_id"] == response.headers["request-id"]
    message: str = body["error"]["message"]
    return message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"model": "x",', "The request body is not valid JSON: unexpected end of data"),
        (b"", "The request body is not valid JSON: Input is a zero-length, empty document"),
        (b'{"a": 1}\n{"b": 2}', "The request body is not valid JSON: unexpected content after"),
        # The next two are worded as real API answers quoted in public bug reports.
        (b'{"text": "\\ud800"}', "The request body is not valid JSON: no low surrogate in string"),
        (
            b'{"text": "a\x01b"}',
            "The request body is not valid JSON: unexpected control character in string: "
            "line 1 column 12 (char 11)",
        ),
        (b'{"text": "caf\xe9"}', "The request body is not valid JSON: invalid UTF-8: line 1"),
    ],
)
def test_malformed_bodies(http: httpx2.Client, raw: bytes, expected: str) -> None:
    response = post(http, raw)
    assert response.status_code == 400
    assert message_of(response).startswith(expected)


@pytest.mark.parametrize("raw", [b"[]", b'"hello"', b"42", b"null"])
def test_a_body_that_is_not_an_object(http: httpx2.Client, raw: bytes) -> None:
    response = post(http, raw)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_wrong_content_type(http: httpx2.Client) -> None:
    response = http.post(
        "/v1/messages",
        content=b"model=claude",
        headers=api_headers(**{"content-type": "application/x-www-form-urlencoded"}),
    )
    assert response.status_code == 400
    assert "application/json" in message_of(response)


def test_wrong_types_are_named_by_path(http: httpx2.Client) -> None:
    # The SDK itself refuses a string max_tokens before sending, so this goes raw.
    response = http.post(
        "/v1/messages",
        json={"model": MODEL, "max_tokens": "ten", "messages": HI},
        headers=api_headers(),
    )
    assert response.status_code == 400
    assert message_of(response) == "max_tokens: Input should be a valid integer"


def test_missing_required_field(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.post(
            "/v1/messages",
            body={"model": MODEL, "messages": HI},
            cast_to=object,
        )
    assert caught.value.body["error"]["message"] == "max_tokens: Field required"


def test_a_body_over_32_mb_is_413_in_the_edge_shape(http: httpx2.Client) -> None:
    big = b'{"model": "m", "pad": "' + b"x" * (32 * 1024 * 1024) + b'"}'
    response = post(http, big)
    assert response.status_code == 413
    assert response.json() == {
        "error": {"type": "request_too_large", "message": "Request exceeds the maximum size"}
    }


def test_a_prompt_over_the_context_window_is_refused(client: anthropic.Anthropic) -> None:
    # claude-haiku-4-5 has a 200K window; ~250K words of prose is well over it.
    long_text = "lighthouse keeper " * 250_000
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=100,
            messages=[{"role": "user", "content": long_text}],
        )
    message = caught.value.body["error"]["message"]
    assert message.startswith("prompt is too long: ")
    assert message.endswith(" tokens > 200000 maximum")


def test_the_server_keeps_serving_after_bad_input(fresh: MockServer, http: httpx2.Client) -> None:
    for raw in (b"{", b"\xff\xfe", b"[1,2]", b'{"messages": 5}'):
        assert post(http, raw).status_code == 400
    with anthropic.Anthropic(base_url=fresh.base_url, api_key=TEST_KEY, max_retries=0) as sdk:
        assert sdk.messages.create(model=MODEL, max_tokens=64, messages=HI).type == "message"
    assert all(e.status < 500 for e in fresh.journal)


@pytest.mark.parametrize("depth", [300, 1_000, 1_100])
def test_a_deeply_nested_tool_input_is_a_400_not_a_crash(http: httpx2.Client, depth: int) -> None:
    nested = '"x"'
    for _ in range(depth):
        nested = '{"a": ' + nested + "}"
    messages = (
        '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": '
        '"tool_use", "id": "toolu_1", "name": "t", "input": {"deep": ' + nested + "}}]}, "
        '{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", '
        '"content": "ok"}]}]'
    )
    raw = (
        f'{{"model": "{MODEL}", "max_tokens": 50, "messages": {messages}, '
        '"tools": [{"name": "t", "input_schema": {"type": "object"}}]}'
    )
    response = post(http, raw.encode())
    if depth == 300:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert message_of(response).startswith(
            "The request body is not valid JSON: depth limit exceeded"
        )
    plain = {"model": MODEL, "max_tokens": 50, "messages": HI}
    assert post(http, json.dumps(plain).encode()).status_code == 200


def test_thousands_of_invalid_blocks_are_answered_by_the_first(
    http: httpx2.Client, fresh: MockServer
) -> None:
    # Every block wrong: the answer names the first, and what is kept of the rest is bounded
    # (worded in full, 10,000 of them held the event loop for half a minute).
    bad = [{"role": "user", "content": [{"type": "text", "text": 5}]} for _ in range(10_000)]
    body = {"model": MODEL, "max_tokens": 10, "messages": bad}
    response = post(http, json.dumps(body).encode())
    assert response.status_code == 400
    assert message_of(response) == "messages.0.content.0.text.text: Input should be a valid string"
    assert 1 <= len(fresh.journal.last_call.problems) <= 20
    assert http.get("/v1/models", headers=api_headers()).status_code == 200


def test_a_rule_broken_thousands_of_times_keeps_its_first_problems(
    http: httpx2.Client, fresh: MockServer
) -> None:
    empty = [{"role": "user", "content": ""} for _ in range(5_000)]
    body = {"model": MODEL, "max_tokens": 10, "messages": [*empty, *HI]}
    response = post(http, json.dumps(body).encode())
    assert response.status_code == 400
    assert message_of(response).startswith("messages.0: all messages must have non-empty content")
    problems = fresh.journal.last_call.problems
    assert 1 <= len(problems) <= 20
    assert problems[0].path == "messages.0"
