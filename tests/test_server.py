"""MockServer as a library: outside pytest's fixtures, the way unittest code or a script uses it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam
from conftest import MODEL, STREAM_CUT, api_headers

from mockserver.config import Config
from mockserver.errors import ScenarioError
from mockserver.report.redact import key_digest
from mockserver.report.verify import Checks
from mockserver.scripting.scenario import Scenario, rule
from mockserver.scripting.stream_plan import StreamFault
from mockserver.server import MockServer

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
    assert sent == f"Bearer {key_digest(fresh.env['ANTHROPIC_API_KEY'])}"


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


WEATHER_TOOL: anthropic.types.ToolParam = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_reply_steps_answer_in_order_and_are_journaled_by_label(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    fresh.reply_text("first")
    fresh.reply_text("second", name="follow-up")
    answers = [sdk.messages.create(model=MODEL, max_tokens=64, messages=HI) for _ in range(2)]
    assert [a.content[0].type == "text" and a.content[0].text for a in answers] == [
        "first",
        "second",
    ]
    assert [e.step for e in fresh.journal] == ["test/steps[0]", "test/follow-up"]
    fresh.verify()


def test_a_tool_loop_and_the_tool_results_sent_back(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    fresh.reply_tool_use("get_weather", {"city": "Paris"}, last_user_text={"contains": "Paris"})
    fresh.reply_text("Sunny, 24°C.", tool_result="get_weather")
    ask: list[MessageParam] = [{"role": "user", "content": "Weather in Paris?"}]
    first = sdk.messages.create(model=MODEL, max_tokens=64, tools=[WEATHER_TOOL], messages=ask)
    call = first.content[-1]
    assert call.type == "tool_use"
    assert call.input == {"city": "Paris"}
    result: MessageParam = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "24°C"}],
    }
    history: list[MessageParam] = [*ask, {"role": "assistant", "content": first.content}, result]
    sdk.messages.create(model=MODEL, max_tokens=64, tools=[WEATHER_TOOL], messages=history)
    assert [r["tool_use_id"] for r in fresh.journal.tool_results()] == [call.id]
    fresh.verify()


def test_an_unused_step_is_reported_with_where_it_was_written(fresh: MockServer) -> None:
    fresh.reply_text("never asked for")
    (report,) = fresh.failures()
    assert report.startswith("1 required step never used:\n  test/steps[0] (test_server.py:")


def test_an_unmatched_request_is_reported_with_the_closest_steps(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    fresh.reply_text("Sunny.", last_user_text={"contains": "weather"})
    reply = sdk.messages.create(model=MODEL, max_tokens=300, messages=HI)
    assert reply.content  # the default reply answered
    assert fresh.journal.last_call.unmatched
    unmatched, unused = fresh.failures()
    assert "1 request no scenario step answered as scripted:" in unmatched
    assert "user='Hello' -> 200 with the default reply" in unmatched
    assert "[1] test/steps[0] (test_server.py:" in unmatched
    assert "'Hello'" in unmatched.splitlines()[3]
    assert "test/steps[0]" in unused
    assert fresh.failures(Checks(unmatched=False, unused=False)) == []


def test_a_scripted_failure_is_retried_by_the_sdk(fresh: MockServer) -> None:
    fresh.reply_error(529, headers={"retry-after-ms": "1"})
    fresh.reply_text("Recovered.")
    with anthropic.Anthropic(base_url=fresh.base_url, api_key="k", max_retries=2) as client:
        reply = client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert reply.content[0].type == "text"
    assert reply.content[0].text == "Recovered."
    assert [e.status for e in fresh.journal] == [529, 200]
    fresh.verify()


def test_a_stream_fault_cuts_the_stream_where_scripted(
    fresh: MockServer, sdk: anthropic.Anthropic
) -> None:
    fresh.reply_text("Never finished.", fault=StreamFault("disconnect", after_events=3))
    with (
        pytest.raises(STREAM_CUT),
        sdk.messages.stream(model=MODEL, max_tokens=64, messages=HI) as stream,
    ):
        stream.get_final_text()
    cut = fresh.journal.last_call
    assert (cut.interrupted, cut.events_sent) == (True, 3)
    fresh.verify()


def test_load_and_add_play_scenarios_until_reset(
    fresh: MockServer, sdk: anthropic.Anthropic, tmp_path: Path
) -> None:
    (tmp_path / "greet.yaml").write_text(
        "version: 1\nname: greet\nrules:\n  - reply: Hi from a file.\n", encoding="utf-8"
    )
    loaded = fresh.load(tmp_path / "greet.yaml")
    assert [s.name for s in loaded] == ["greet"]
    fresh.add(Scenario(name="always", rules=[rule("Hi from Python.", last_user_text="Python?")]))
    ask_python: list[MessageParam] = [{"role": "user", "content": "Python?"}]
    by_file = sdk.messages.create(model=MODEL, max_tokens=64, messages=HI)
    by_rule = sdk.messages.create(model=MODEL, max_tokens=64, messages=ask_python)
    assert [e.step for e in fresh.journal] == ["greet/rules[0]", "always/rules[0]"]
    assert by_file.content[0].type == "text"
    assert by_rule.content[0].type == "text"
    fresh.reset()
    assert fresh.scenarios == []


def test_a_broken_scenario_file_names_file_and_line(fresh: MockServer, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsteps:\n  - reply: {text: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.yaml:\d+: not valid YAML"):
        fresh.load(broken)


def test_advance_clock_moves_simulated_time(fresh: MockServer) -> None:
    before = fresh.state.clock.now()
    assert fresh.advance_clock(301) >= before + 301
