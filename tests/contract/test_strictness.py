"""The strictness switch over real HTTP: what each level answers, the warn headers, and
the switch itself from Python and the admin API."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, TEST_KEY, ServerFactory

from mockserver.server import MockServer

# An assistant tool call the client never answered: the API refuses it (tool_use_answered).
UNANSWERED: list[MessageParam] = [
    {"role": "user", "content": "List the files."},
    {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_01", "name": "ls", "input": {}}],
    },
    {"role": "user", "content": "Go on."},
]
HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]
PAIRING_MESSAGE = (
    "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
    "toolu_01. Each `tool_use` block must have a corresponding `tool_result` block in the "
    "next message."
)


def sdk(server: MockServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0)


def mock_headers(headers: httpx2.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("x-mockserver-")}


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


def test_warn_answers_and_names_the_violation_in_headers(fresh: MockServer) -> None:
    fresh.strictness = "warn"
    with sdk(fresh) as client:
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=UNANSWERED
        )
    assert raw.status_code == 200
    assert raw.parse().content[0].type == "text"
    assert mock_headers(raw.headers) == {
        "x-mockserver-violations": "1",
        "x-mockserver-violation": f"tool_use_answered: {PAIRING_MESSAGE}",
        "x-mockserver-violation-rules": "tool_use_answered",
    }
    exchange = fresh.journal.last_call
    assert [p.rule for p in exchange.problems] == ["tool_use_answered"]
    assert exchange.violation
    assert not exchange.rejected


def test_warn_headers_come_with_a_stream_and_a_token_count(fresh: MockServer) -> None:
    fresh.strictness = "warn"
    with sdk(fresh) as client:
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=UNANSWERED, stream=True
        )
        assert raw.headers["content-type"].startswith("text/event-stream")
        assert raw.headers["x-mockserver-violations"] == "1"
        events = [event.type for event in raw.parse()]
        counted = client.messages.with_raw_response.count_tokens(model=MODEL, messages=UNANSWERED)
    assert events[0] == "message_start"
    assert events[-1] == "message_stop"
    assert counted.parse().input_tokens > 0
    assert counted.headers["x-mockserver-violation-rules"] == "tool_use_answered"


def test_a_valid_request_under_warn_gets_no_violation_headers(fresh: MockServer) -> None:
    fresh.strictness = "warn"
    with sdk(fresh) as client:
        raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=20, messages=HI)
    assert raw.status_code == 200
    assert mock_headers(raw.headers) == {}


def test_strict_refuses_as_the_api_does(fresh: MockServer) -> None:
    assert fresh.strictness == "strict"
    with sdk(fresh) as client, pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model=MODEL, max_tokens=20, messages=UNANSWERED)
    assert caught.value.body["error"]["message"] == PAIRING_MESSAGE  # type: ignore[index]
    assert "x-mockserver-violations" not in caught.value.response.headers


def test_off_skips_the_rules_but_never_the_schema(fresh: MockServer) -> None:
    fresh.strictness = "off"
    with sdk(fresh) as client:
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=UNANSWERED
        )
        assert raw.status_code == 200
        assert mock_headers(raw.headers) == {}
        assert fresh.journal.last_call.problems == ()
        with pytest.raises(anthropic.BadRequestError, match="colour: Extra inputs are not"):
            client.messages.create(
                model=MODEL, max_tokens=20, messages=HI, extra_body={"colour": "blue"}
            )


def in_force(server: MockServer) -> str:
    return server.strictness


def test_the_switch_lasts_until_reset_unless_set_for_the_session(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(strictness="warn")
    server.strictness = "off"
    assert in_force(server) == "off"
    server.reset()
    assert in_force(server) == "warn"
    server.set_strictness("strict", session=True)
    server.reset()
    assert (in_force(server), server.config.strictness) == ("strict", "strict")
    with pytest.raises(ValueError, match="strictness must be strict, warn or off, not 'loose'"):
        server.set_strictness("loose")  # type: ignore[arg-type]
    assert in_force(server) == "strict"


def test_admin_reads_and_switches_strictness(fresh: MockServer, admin: httpx2.Client) -> None:
    assert admin.get("/strictness").json() == {"strictness": "strict", "session": "strict"}
    switched = admin.put("/strictness", json={"strictness": "warn"})
    assert switched.json() == {"strictness": "warn", "session": "strict"}
    with sdk(fresh) as client:
        raw = client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=UNANSWERED
        )
    assert raw.headers["x-mockserver-violations"] == "1"
    admin.post("/reset")
    assert admin.get("/strictness").json()["strictness"] == "strict"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"strictness": "lenient"}, "strictness must be strict, warn or off, not 'lenient'"),
        ({}, "strictness must be strict, warn or off, not None"),
        ({"strictness": "warn", "session": "yes"}, '"session" must be true or false'),
    ],
)
def test_admin_refuses_a_bad_switch(
    admin: httpx2.Client, body: dict[str, object], error: str
) -> None:
    answer = admin.put("/strictness", json=body)
    assert (answer.status_code, answer.json()) == (400, {"error": error})
    assert admin.get("/strictness").json()["strictness"] == "strict"


def test_admin_refuses_a_body_that_is_not_json(admin: httpx2.Client) -> None:
    answer = admin.put("/strictness", content=b"warn")
    assert answer.status_code == 400
    assert "the body must be JSON" in answer.json()["error"]


def test_admin_session_switch_survives_reset(server_factory: ServerFactory) -> None:
    server = server_factory()
    with httpx2.Client(base_url=f"{server.base_url}/_mock", timeout=10) as admin:
        admin.put("/strictness", json={"strictness": "off", "session": True})
        admin.post("/reset")
        assert admin.get("/strictness").json() == {"strictness": "off", "session": "off"}
