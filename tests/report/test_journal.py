"""The journal's questions, answered from plain dicts (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import Problem
from mockserver.report.journal import Exchange, Journal
from mockserver.streaming.events import message_events

MODEL = "claude-sonnet-4-6"

TOOL_REPLY: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [
        {"type": "text", "text": "Let me check the weather in Paris."},
        {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 20,
        "output_tokens": 12,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "server_tool_use": None,
        "output_tokens_details": {"thinking_tokens": 0},
    },
}

FIRST_TURN: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 100,
    "system": [{"type": "text", "text": "You are terse."}, {"type": "text", "text": "Use tools."}],
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
}

SECOND_TURN: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 100,
    "system": "You are terse.",
    "messages": [
        *FIRST_TURN["messages"],
        {"role": "assistant", "content": TOOL_REPLY["content"]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "18°C"}],
        },
    ],
}


def exchange(body: Any = None, response: Any = None, **fields: Any) -> Exchange:
    values: dict[str, Any] = {
        "request_id": "req_01",
        "method": "POST",
        "path": "/v1/messages",
        "headers": {},
        "body": body,
        "status": 200,
        "response": response,
    } | fields
    return Exchange(**values)


def test_a_streamed_reply_is_rebuilt_into_the_message_it_delivered() -> None:
    events = message_events(TOOL_REPLY)
    streamed = exchange(FIRST_TURN, events, streamed=True)
    message = streamed.message
    assert message is not None
    assert message["content"] == TOOL_REPLY["content"]
    assert message["stop_reason"] == "tool_use"
    assert message["usage"]["output_tokens"] == 12
    assert streamed.reply_text == "Let me check the weather in Paris."
    assert streamed.tool_uses == [TOOL_REPLY["content"][1]]


def test_a_plain_reply_answers_the_same_questions() -> None:
    plain = exchange(FIRST_TURN, TOOL_REPLY)
    assert plain.reply_text == "Let me check the weather in Paris."
    assert [t["name"] for t in plain.tool_uses] == ["get_weather"]
    assert plain.error is None


def test_system_prompt_joins_text_blocks_and_reads_a_bare_string() -> None:
    assert exchange(FIRST_TURN).system_prompt == "You are terse.\n\nUse tools."
    assert exchange(SECOND_TURN).system_prompt == "You are terse."
    assert exchange({"model": MODEL, "messages": []}).system_prompt is None


def test_tool_results_are_only_those_the_request_sent_back() -> None:
    assert exchange(FIRST_TURN).tool_results == []
    assert exchange(SECOND_TURN).tool_results == [SECOND_TURN["messages"][-1]["content"][0]]
    assert exchange(FIRST_TURN).last_user_text == "Weather in Paris?"
    assert exchange(SECOND_TURN).last_user_text == ""


def test_an_error_reply_and_a_mid_stream_error_both_expose_the_error() -> None:
    envelope = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert exchange(status=529, response=envelope).error == envelope["error"]
    cut = [("message_start", {"type": "message_start", "message": TOOL_REPLY}), ("error", envelope)]
    assert exchange(response=cut, streamed=True).error == envelope["error"]


def test_rejections_are_unscripted_4xx_and_violations_add_warned_problems() -> None:
    refused = exchange(status=400, response={"error": {"type": "invalid_request_error"}})
    scripted = exchange(status=429, step="rate-limited")
    warned = exchange(problems=(Problem("max_tokens: Field required", path="$.max_tokens"),))
    assert (refused.rejected, refused.violation) == (True, True)
    assert (scripted.rejected, scripted.violation) == (False, False)
    assert (warned.rejected, warned.violation) == (False, True)


def test_describe_names_the_request_and_its_outcome() -> None:
    error = {"type": "error", "error": {"type": "not_found_error", "message": "model: nope"}}
    line = exchange(FIRST_TURN | {"model": "nope"}, error, status=404).describe()
    assert line == (
        "POST /v1/messages (req_01) model='nope' user='Weather in Paris?' "
        "-> 404 not_found_error: model: nope"
    )
    assert "tool_results=[toolu_01]" in exchange(SECOND_TURN, step="weather").describe()
    assert exchange(SECOND_TURN, step="weather").describe().endswith("-> 200 from step 'weather'")


def test_to_json_turns_stream_events_into_objects() -> None:
    events = message_events(TOOL_REPLY)
    data = exchange(FIRST_TURN, events, streamed=True).to_json()
    assert data["response"][0] == {"event": "message_start", "data": events[0][1]}
    assert data["body"] == FIRST_TURN
    assert data["problems"] == []


def test_journal_helpers_answer_the_common_questions() -> None:
    journal = Journal()
    journal.add(exchange(method="GET", path="/v1/models"))
    journal.add(exchange(FIRST_TURN, TOOL_REPLY))
    journal.add(exchange(SECOND_TURN, request_id="req_02"))
    assert journal.call_count == 2
    assert journal.requests() == [FIRST_TURN, SECOND_TURN]
    assert journal.last_request == SECOND_TURN
    assert journal.last_call.request_id == "req_02"
    assert journal.system_prompt == "You are terse."
    assert [r["tool_use_id"] for r in journal.tool_results()] == ["toolu_01"]
    assert [e.request_id for e in journal.since(2)] == ["req_02"]
    assert len(journal) == 3


def test_last_call_on_an_empty_journal_is_an_assertion_error() -> None:
    with pytest.raises(AssertionError, match="no POST /v1/messages call was made"):
        _ = Journal().last_request
