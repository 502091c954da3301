"""Scenarios end to end: the official SDK against the running server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import beta_tool
from conftest import MODEL, TEST_KEY, ServerFactory, api_headers

from mockserver.scripting.book import UNMATCHED_CODE
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, rule, step
from mockserver.server import MockServer

WEATHER_TOOL: dict[str, Any] = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
WEATHER_YAML = """\
version: 1
name: weather
steps:
  - name: ask
    match: {last_user_text: weather, tools: get_weather}
    reply:
      text: Let me check.
      tool_use: {name: get_weather, input: {city: Paris}}
  - name: answer
    match: {tool_result: get_weather}
    reply: "It is {{ tool_result }} in {{ tool_input.city }} ({{ model }})."
"""


SdkFactory = Callable[..., anthropic.Anthropic]


@pytest.fixture
def sdk() -> Iterator[SdkFactory]:
    """SDK clients for any server, closed after the test."""
    made: list[anthropic.Anthropic] = []

    def make(server: MockServer, key: str = TEST_KEY, retries: int = 0) -> anthropic.Anthropic:
        made.append(anthropic.Anthropic(base_url=server.base_url, api_key=key, max_retries=retries))
        return made[-1]

    yield make
    for client in made:
        client.close()


def test_yaml_tool_loop_through_the_sdk(
    sdk: SdkFactory, tmp_path: Path, server_factory: ServerFactory
) -> None:
    path = tmp_path / "weather.yaml"
    path.write_text(WEATHER_YAML)
    server = server_factory(scenario_paths=[path])
    client = sdk(server)
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = client.messages.create(
        model=MODEL, max_tokens=200, tools=[WEATHER_TOOL], messages=messages
    )
    assert first.stop_reason == "tool_use"
    call = first.content[1]
    assert call.type == "tool_use"
    assert call.id.startswith("toolu_01")
    assert call.input == {"city": "Paris"}
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}],
        },
    ]
    second = client.messages.create(
        model=MODEL, max_tokens=200, tools=[WEATHER_TOOL], messages=messages
    )
    assert second.content[0].type == "text"
    assert second.content[0].text == f"It is sunny in Paris ({MODEL})."
    assert [e.step for e in server.journal.messages()] == ["weather/ask", "weather/answer"]
    assert server.state.scenarios.unused_steps() == []


def test_python_scenarios_scripted_errors_and_delay(sdk: SdkFactory, fresh: MockServer) -> None:
    fresh.state.scenarios.add(
        Scenario(
            "errors",
            rules=[
                rule(
                    Reply.http_error(429, "Slow down", headers={"retry-after": "7"}),
                    last_user_text="limit",
                ),
                rule(Reply.http_error(529), last_user_text="busy"),
                rule(
                    Reply(content=({"type": "text", "text": "late"},), delay=0.3),
                    last_user_text="slow",
                ),
            ],
        )
    )
    client = sdk(fresh)
    with pytest.raises(anthropic.RateLimitError) as limited:
        client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "limit"}]
        )
    assert limited.value.response.headers["retry-after"] == "7"
    assert "Slow down" in limited.value.message
    with pytest.raises(anthropic.OverloadedError):
        client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "busy"}]
        )
    started = time.monotonic()
    late = client.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "slow"}]
    )
    assert time.monotonic() - started >= 0.3
    assert late.content[0].type == "text"
    assert [e.step for e in fresh.journal.messages()] == [
        "errors/rules[0]",
        "errors/rules[1]",
        "errors/rules[2]",
    ]


def test_rate_limit_then_success_is_retried_by_the_sdk(sdk: SdkFactory, fresh: MockServer) -> None:
    fresh.state.scenarios.add(
        Scenario(
            "retry",
            steps=[step(Reply.http_error(429, headers={"retry-after-ms": "10"})), step("ok")],
        )
    )
    reply = sdk(fresh, retries=2).messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
    )
    assert reply.content[0].type == "text"
    assert [e.status for e in fresh.journal.messages()] == [429, 200]


def test_unmatched_error_policy_names_the_near_misses(
    sdk: SdkFactory, server_factory: ServerFactory, tmp_path: Path
) -> None:
    path = tmp_path / "weather.yaml"
    path.write_text(WEATHER_YAML)
    server = server_factory(scenario_paths=[path], unmatched="error")
    with pytest.raises(anthropic.BadRequestError) as caught:
        sdk(server).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hello"}]
        )
    message = caught.value.message
    assert "no scenario step or rule matched this request" in message
    assert f"weather/ask ({path}:4): last user text 'hello' does not contain 'weather'" in message
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["error"]["details"] == {"error_code": UNMATCHED_CODE}
    exchange = server.journal.last
    assert exchange is not None
    assert exchange.unmatched
    assert exchange.step is None
    assert "tools offered [] do not include 'get_weather'" in exchange.near_misses[0]


def test_default_reply_answers_unmatched_requests_and_marks_them(
    sdk: SdkFactory, server_factory: ServerFactory, tmp_path: Path
) -> None:
    path = tmp_path / "weather.yaml"
    path.write_text(WEATHER_YAML)
    server = server_factory(scenario_paths=[path])
    reply = sdk(server).messages.create(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.content[0].type == "text"
    assert reply.content[0].text.endswith('You said: "hi"')
    exchange = server.journal.last
    assert exchange is not None
    assert exchange.unmatched
    assert exchange.near_misses


def test_a_step_that_calls_a_tool_not_offered_is_a_scenario_error_not_retried(
    sdk: SdkFactory,
    fresh: MockServer,
) -> None:
    fresh.state.scenarios.add(
        Scenario("bad", rules=[rule(Reply.tool_use("get_weather", {"city": "Paris"}))])
    )
    with pytest.raises(anthropic.InternalServerError) as caught:
        sdk(fresh, retries=2).messages.create(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        )
    assert "mockserver scenario error in step 'bad/rules[0]'" in caught.value.message
    assert "which the request does not offer" in caught.value.message
    [exchange] = fresh.journal.messages()
    assert exchange.scenario_error is not None
    assert exchange.step == "bad/rules[0]"


def test_scripted_thinking_and_server_tools_stream_through_the_sdk(
    sdk: SdkFactory, fresh: MockServer
) -> None:
    fresh.state.scenarios.add(
        Scenario(
            "search",
            rules=[
                rule(
                    Reply.blocks(
                        {"type": "thinking", "thinking": "I should search."},
                        {
                            "type": "server_tool_use",
                            "name": "web_search",
                            "input": {"query": "mockserver"},
                        },
                        {
                            "type": "web_search_tool_result",
                            "content": [{"title": "Docs", "url": "https://example.com/"}],
                        },
                        {
                            "type": "text",
                            "text": "Found it.",
                            "citations": [
                                {
                                    "type": "web_search_result_location",
                                    "url": "https://example.com/",
                                    "cited_text": "Docs",
                                }
                            ],
                        },
                    ),
                    tools={"types": "web_search_*"},
                )
            ],
        )
    )
    client = sdk(fresh)
    with client.messages.stream(
        model=MODEL,
        max_tokens=4000,
        thinking={"type": "enabled", "budget_tokens": 2000},
        tools=[{"type": "web_search_20250305", "name": "web_search"}],
        messages=[{"role": "user", "content": "Search for mockserver"}],
    ) as stream:
        final = stream.get_final_message()
    thinking, use, result, text = final.content
    assert thinking.type == "thinking"
    assert thinking.signature
    assert use.type == "server_tool_use"
    assert use.id.startswith("srvtoolu_")
    assert result.type == "web_search_tool_result"
    assert result.tool_use_id == use.id
    assert text.type == "text"
    assert text.citations
    assert text.citations[0].type == "web_search_result_location"


def test_threads_keep_the_conversation(http: httpx2.Client, fresh: MockServer) -> None:
    headers = api_headers(**{"anthropic-beta": "message-threads-2026-08-12"})
    first = http.post(
        "/v1/messages",
        headers=headers,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "system": "Be brief.",
            "thread": {"type": "create"},
            "messages": [{"role": "user", "content": "Remember: blue"}],
        },
    )
    assert first.status_code == 200, first.text
    fresh.state.scenarios.add(
        Scenario(
            "t", rules=[rule("You said blue.", any_message_text="blue", system="brief", turn=2)]
        )
    )
    second = http.post(
        "/v1/messages",
        headers=headers,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "thread": {"type": "continue", "previous_message_id": first.json()["id"]},
            "messages": [{"role": "user", "content": "What colour?"}],
        },
    )
    assert second.status_code == 200, second.text
    assert second.json()["content"][0]["text"] == "You said blue."
    again = http.post(
        "/v1/messages",
        headers=headers,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "thread": {"type": "continue", "previous_message_id": first.json()["id"]},
            "messages": [{"role": "user", "content": "Again?"}],
        },
    )
    assert again.status_code == 400
    assert again.json()["error"]["details"] == {"error_code": "thread_already_continued"}
    lost = http.post(
        "/v1/messages",
        headers=headers,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "thread": {"type": "continue", "previous_message_id": "msg_01unknown"},
            "messages": [{"role": "user", "content": "Hi"}],
        },
    )
    assert lost.status_code == 404
    assert lost.json()["error"]["type"] == "not_found_error"
    assert lost.json()["error"]["details"] == {"error_code": "thread_not_found"}


def test_sdk_tool_runner_runs_its_loop_on_threads(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    calls: list[str] = []

    @beta_tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        calls.append(city)
        return "sunny"

    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=200,
        tools=[get_weather],
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )
    final = runner.until_done()
    assert calls == ["example"]
    assert final.content[0].type == "text"
    assert final.content[0].text == "The get_weather tool returned: sunny"
    bodies = [e.body for e in fresh.journal.messages()]
    assert [b.get("thread", {}).get("type") for b in bodies] == ["create", "continue"]
    assert all(e.status == 200 for e in fresh.journal.messages())


def test_watched_files_reload_and_a_broken_edit_keeps_the_last_good_version(
    sdk: SdkFactory, tmp_path: Path, server_factory: ServerFactory
) -> None:
    path = tmp_path / "live.yaml"
    path.write_text("version: 1\nrules: [{reply: one}]\n")
    server = server_factory(scenario_paths=[tmp_path], watch=True)
    client = sdk(server)

    def ask() -> str:
        reply = client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "?"}]
        )
        block = reply.content[0]
        return block.text if block.type == "text" else ""

    def wait_for(expected: str) -> str:
        deadline = time.monotonic() + 5
        while (got := ask()) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        return got

    assert ask() == "one"
    path.write_text("version: 1\nrules: [{reply: two}]\n")
    assert wait_for("two") == "two"
    path.write_text("version: 1\nrules: [{reply: {txt: three}}]\n")
    deadline = time.monotonic() + 5
    while path not in server.state.scenarios.errors and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "unknown key 'txt'" in str(server.state.scenarios.errors[path])
    assert ask() == "two"


def test_near_misses_read_long_after_the_request_are_those_of_its_moment(
    sdk: SdkFactory, server_factory: ServerFactory, tmp_path: Path
) -> None:
    # The journal lets a request's parsed body go once the report has it; the near misses,
    # worded only when read, are then worded from the bytes the body came as.
    path = tmp_path / "weather.yaml"
    path.write_text(WEATHER_YAML)
    server = server_factory(scenario_paths=[path])
    client = sdk(server)
    for text in ("hi", "what now", "and then"):
        client.messages.create(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": text}]
        )
    first, *_ = server.journal.all()
    assert first.unmatched
    assert first.body["messages"][0]["content"] == "hi"
    assert any("get_weather" in miss for miss in first.near_misses)
    again = server.journal.all()[0]
    assert list(again.near_misses) == list(first.near_misses)
