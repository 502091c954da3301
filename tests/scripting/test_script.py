"""Playing scenarios: order, rules, fallback, named states, who keeps which progress."""

from __future__ import annotations

import threading
from typing import Any

from mockserver.scripting.book import UNMATCHED_CODE, ScenarioBook
from mockserver.scripting.match import match
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, Step, rule, step


def body(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": text}], **extra}


def texts(book: ScenarioBook, *requests: dict[str, Any], key: str = "k") -> list[str | None]:
    out: list[str | None] = []
    for request in requests:
        answer = book.answer(request, key)
        out.append(answer.step)
    return out


def test_steps_answer_once_each_in_order_then_rules_then_fallback() -> None:
    book = ScenarioBook()
    book.add(
        Scenario(
            "s",
            steps=[
                step("one", name="first", last_user_text="hello"),
                step("two", name="second", last_user_text="hello"),
            ],
            rules=[rule("pong", name="ping", last_user_text="ping")],
            fallback=Step(Reply.text("fallback")),
        )
    )
    assert texts(book, body(), body("ping"), body(), body(), body("ping")) == [
        "s/first",
        "s/ping",
        "s/second",
        "s/fallback",
        "s/ping",
    ]


def test_a_due_step_that_does_not_match_stays_due() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", steps=[step("w", last_user_text="weather"), step("x")]))
    first = book.answer(body("hi"), "k")
    assert first.step is None
    assert first.unmatched
    assert "s/steps[0]" in first.near_misses[0]
    assert "last user text 'hi' does not contain 'weather'" in first.near_misses[0]
    assert texts(book, body("weather?"), body("any")) == ["s/steps[0]", "s/steps[1]"]


def test_times_and_repeat() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", steps=[step("busy", times=2), step("ok")], repeat=True))
    assert texts(book, *[body()] * 5) == [
        "s/steps[0]",
        "s/steps[0]",
        "s/steps[1]",
        "s/steps[0]",
        "s/steps[0]",
    ]


def test_named_states() -> None:
    book = ScenarioBook()
    book.add(
        Scenario(
            "cart",
            rules=[
                rule("Added.", name="add", last_user_text="add", set_state="has-items"),
                rule("1 item.", name="list-full", last_user_text="list", when_state="has-items"),
                rule("Empty.", name="list-empty", last_user_text="list"),
            ],
        )
    )
    assert texts(book, body("list"), body("add"), body("list")) == [
        "cart/list-empty",
        "cart/add",
        "cart/list-full",
    ]
    # Another client is still in the starting state.
    assert texts(book, body("list"), key="other") == ["cart/list-empty"]


def test_clients_do_not_take_each_others_steps() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", steps=[step("one"), step("two")]))
    assert book.answer(body(), "alice").step == "s/steps[0]"
    assert book.answer(body(), "bob").step == "s/steps[0]"
    session = {"x-mock-session": "t1"}
    assert book.answer(body(), "alice", session).step == "s/steps[0]"
    assert book.answer(body(), "alice").step == "s/steps[1]"


def test_conversation_and_shared_isolation() -> None:
    book = ScenarioBook()
    book.add(Scenario("c", steps=[step("one"), step("two")], isolation="conversation"))
    assert book.answer(body("chat A"), "k").step == "c/steps[0]"
    assert book.answer(body("chat B"), "k").step == "c/steps[0]"
    follow_up = body("chat A")
    follow_up["messages"] += [
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "more"},
    ]
    assert book.answer(follow_up, "k").step == "c/steps[1]"
    shared = ScenarioBook()
    shared.add(Scenario("g", steps=[step("one"), step("two")], isolation="shared"))
    assert [shared.answer(body(), key).step for key in ("a", "b")] == ["g/steps[0]", "g/steps[1]"]


def test_parallel_clients_each_get_their_whole_script() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", steps=[step(f"reply {i}", name=f"n{i}") for i in range(20)]))
    results: dict[str, list[str | None]] = {}

    def client(key: str) -> None:
        results[key] = [book.answer(body(), key).step for _ in range(20)]

    threads = [threading.Thread(target=client, args=(f"key-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [f"s/n{i}" for i in range(20)]
    assert all(steps == expected for steps in results.values())
    assert len(results) == 8


def test_scenario_guard_and_order_of_scenarios() -> None:
    book = ScenarioBook()
    book.add(Scenario("haiku-only", rules=[rule("h")], match=match(model="claude-haiku-*")))
    book.add(Scenario("first", rules=[rule("a")]))
    book.add(Scenario("newest", rules=[rule("b", last_user_text="b")]))
    # Scenarios added later are consulted first; a failed guard skips the whole scenario.
    assert book.answer(body("b"), "k").step == "newest/rules[0]"
    assert book.answer(body("c"), "k").step == "first/rules[0]"
    assert book.answer(body("c", model="claude-haiku-4-5"), "k").step == "first/rules[0]"


def test_unmatched_policy_error_names_the_closest_steps() -> None:
    book = ScenarioBook(unmatched="error")
    book.add(Scenario("s", steps=[step("w", name="ask", last_user_text="weather", stream=True)]))
    answer = book.answer(body("hello"), "k")
    assert answer.unmatched
    error = answer.reply.error
    assert error is not None
    assert error.status == 400
    assert error.details == {"error_code": UNMATCHED_CODE}
    assert error.message is not None
    assert "no scenario step or rule matched" in error.message
    assert (
        "[1] s/ask (<python>): last user text 'hello' does not contain 'weather'; stream is false"
        in error.message
    )


def test_default_reply_when_nothing_is_loaded_is_not_a_miss() -> None:
    answer = ScenarioBook().answer(body("hi"), "k")
    assert answer.step is None
    assert not answer.unmatched
    assert answer.reply.content[0]["text"].endswith('You said: "hi"')


def test_reset_drops_added_scenarios_and_progress() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", steps=[step("one"), step("two")]))
    book.answer(body(), "k")
    assert book.unused_steps() == ["s/steps[1]"]
    book.reset()
    assert book.scenarios == []


def test_scripted_tool_call_the_request_cannot_take_is_a_scenario_error() -> None:
    book = ScenarioBook()
    book.add(Scenario("s", rules=[rule(Reply.tool_use("get_weather", {"city": 3}))]))
    answer = book.answer(body(), "k")
    assert answer.step == "s/rules[0]"
    assert answer.scenario_error is not None
    assert (
        "'get_weather', which the request does not offer (offered: none)" in answer.scenario_error
    )
    error = answer.reply.error
    assert error is not None
    assert (error.status, error.error_type) == (500, "api_error")
    assert error.headers == {"x-should-retry": "false"}
    tools = [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    answer = book.answer(body(tools=tools), "k")
    assert answer.scenario_error is not None
    assert (
        "input does not fit its input_schema: $.city: 3 is not of type 'string'"
        in answer.scenario_error
    )
