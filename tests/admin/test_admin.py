"""The admin HTTP API over real HTTP: plain JSON, never journaled, loopback-only by default."""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import anthropic
import httpx2
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from anthropic.types import MessageParam
from conftest import MODEL, api_headers

from mockserver.admin.routes import AdminError, check_access
from mockserver.config import Config
from mockserver.keys import STATE
from mockserver.server import MockServer
from mockserver.state import ServerState

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


@pytest.fixture
def sdk(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="test", max_retries=0) as client:
        yield client


def test_health_answers_plain_json(admin: httpx2.Client) -> None:
    response = admin.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "request-id" not in response.headers


def test_admin_calls_stay_out_of_the_journal(
    fresh: MockServer, admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    admin.get("/health")
    admin.get("/journal")
    exchanges = admin.get("/journal").json()["exchanges"]
    assert [(e["method"], e["path"]) for e in exchanges] == [("POST", "/v1/messages")]
    assert exchanges[0]["body"]["messages"] == HI
    assert exchanges[0]["response"]["type"] == "message"
    assert len(fresh.journal) == 1


def test_stream_events_read_as_event_and_data(
    admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    with sdk.messages.stream(model=MODEL, max_tokens=16, messages=HI) as stream:
        stream.get_final_message()
    (exchange,) = admin.get("/journal").json()["exchanges"]
    assert exchange["streamed"] is True
    assert exchange["response"][0]["event"] == "message_start"
    assert exchange["response"][-1] == {"event": "message_stop", "data": {"type": "message_stop"}}


def test_violations_and_verify_report_a_rejected_request(
    fresh: MockServer, admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    httpx2.post(f"{fresh.base_url}/v1/messages", content=b"[]", headers=api_headers())
    violations = admin.get("/journal/violations").json()
    assert violations["count"] == 1
    assert violations["exchanges"][0]["status"] == 400
    verdict = admin.get("/verify").json()
    assert verdict["ok"] is False
    assert "1 request the real API would have rejected" in verdict["failures"][0]
    assert admin.get("/verify", params={"violations": "false"}).json() == {
        "ok": True,
        "failures": [],
    }


def test_a_bad_flag_is_a_400_naming_it(admin: httpx2.Client) -> None:
    response = admin.get("/verify", params={"unused": "maybe"})
    assert response.status_code == 400
    expected = "query parameter 'unused' must be true or false, got 'maybe'"
    assert response.json() == {"error": expected}


def test_reset_clears_what_the_python_api_sees(
    fresh: MockServer, admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    sdk.messages.create(model=MODEL, max_tokens=16, messages=HI)
    assert admin.post("/reset").json() == {"reset": True}
    assert len(fresh.journal) == 0
    assert admin.get("/journal").json() == {"count": 0, "exchanges": []}


def test_unknown_route_and_wrong_method_answer_plain_json(admin: httpx2.Client) -> None:
    missing = admin.get("/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}
    wrong = admin.get("/reset")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "Method Not Allowed"}


def request_from(remote: str, token: str | None, **headers: str) -> web.Request:
    """An admin request as it arrives from `remote` (a peer tests cannot be, on loopback)."""
    app = web.Application()
    app[STATE] = ServerState(Config(port=0, admin_token=token))
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (remote, 50123) if name == "peername" else default
    )
    return make_mocked_request(
        "GET", "/_mock/health", headers=headers, app=app, transport=transport
    )


def test_loopback_clients_are_trusted_without_a_token() -> None:
    check_access(request_from("127.0.0.1", None))
    check_access(request_from("::1", None))


def test_a_client_off_loopback_is_refused_without_a_configured_token() -> None:
    with pytest.raises(AdminError) as refused:
        check_access(request_from("203.0.113.7", None))
    assert refused.value.status == 403
    assert "loopback" in refused.value.message


def test_a_client_off_loopback_needs_the_admin_token() -> None:
    with pytest.raises(AdminError) as missing:
        check_access(request_from("203.0.113.7", "s3cret"))
    with pytest.raises(AdminError) as wrong:
        check_access(request_from("203.0.113.7", "s3cret", Authorization="Bearer nope"))
    assert missing.value.status == wrong.value.status == 401
    check_access(request_from("203.0.113.7", "s3cret", Authorization="Bearer s3cret"))


WEATHER = """
version: 1
name: weather
steps:
  - name: ask
    match: {last_user_text: {contains: weather}}
    reply: It is sunny.
  - name: thanks
    reply: You are welcome.
"""


def test_scenarios_posted_as_yaml_answer_and_are_listed(
    admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    posted = admin.post("/scenarios", content=WEATHER, headers={"content-type": "application/yaml"})
    assert posted.status_code == 200
    assert posted.json()["added"] == [
        {"name": "weather", "source": "<admin>", "steps": 2, "rules": 0, "fallback": False}
    ]
    ask: list[MessageParam] = [{"role": "user", "content": "How is the weather?"}]
    reply = sdk.messages.create(model=MODEL, max_tokens=64, messages=ask)
    assert reply.content[0].type == "text"
    assert reply.content[0].text == "It is sunny."
    assert [s["name"] for s in admin.get("/scenarios").json()["scenarios"]] == ["weather"]
    verdict = admin.get("/verify").json()
    assert verdict["ok"] is False
    assert "weather/thanks (<admin>:" in verdict["failures"][0]


def test_scenarios_posted_as_json_and_replaced(admin: httpx2.Client) -> None:
    first = {"version": 1, "name": "one", "rules": [{"reply": "1"}]}
    second = {"version": 1, "name": "two", "rules": [{"reply": "2"}]}
    assert admin.post("/scenarios", json=first).status_code == 200
    assert admin.put("/scenarios", json=second).status_code == 200
    assert [s["name"] for s in admin.get("/scenarios").json()["scenarios"]] == ["two"]


def test_a_broken_scenario_is_a_400_with_source_and_line(admin: httpx2.Client) -> None:
    response = admin.post(
        "/scenarios", params={"source": "mine.yaml"}, content="version: 1\nsteps: 3\n"
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["source"] == "mine.yaml"
    assert problem["line"] == 2
    assert problem["error"].startswith("mine.yaml:2: ")


def test_unmatched_requests_are_listed_with_their_near_misses(
    admin: httpx2.Client, sdk: anthropic.Anthropic
) -> None:
    admin.post("/scenarios", content=WEATHER)
    sdk.messages.create(model=MODEL, max_tokens=300, messages=HI)
    unmatched = admin.get("/journal/unmatched").json()
    assert unmatched["count"] == 1
    (miss,) = unmatched["exchanges"][0]["near_misses"]
    assert miss.startswith("weather/ask (<admin>:")


def test_the_clock_moves_forward_only(admin: httpx2.Client) -> None:
    now = admin.get("/clock").json()["now"]
    moved = admin.post("/clock/advance", json={"seconds": 3600}).json()["now"]
    assert moved >= now + 3600
    for bad in ({"seconds": -1}, {"seconds": "soon"}, {"minutes": 5}):
        response = admin.post("/clock/advance", json=bad)
        assert response.status_code == 400
        assert response.json() == {"error": '"seconds" must be a number >= 0'}
    assert admin.post("/clock/advance", content=b"{").status_code == 400
