"""The admin HTTP API over real HTTP: plain JSON, never journaled, loopback-only by default."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, ServerFactory, api_headers

from mockserver.server import MockServer

HI: list[MessageParam] = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


@pytest.fixture
def sdk(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="test", max_retries=0) as client:
        yield client


def outward_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


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


def test_a_client_off_loopback_is_refused_without_a_token(server_factory: ServerFactory) -> None:
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    server = server_factory(host="0.0.0.0")
    response = httpx2.get(f"http://{address}:{server.port}/_mock/health")
    assert response.status_code == 403
    assert "loopback" in response.json()["error"]
    assert httpx2.get(f"http://127.0.0.1:{server.port}/_mock/health").status_code == 200


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
