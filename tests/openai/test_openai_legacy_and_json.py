"""Legacy function calling and `response_format: json_object` on the OpenAI door."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from conftest import MODEL, TEST_KEY

from mockserver.server import MockServer

WEATHER_FN = {
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
def oai(fresh: MockServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0) as sdk:
        yield sdk


def test_a_legacy_function_loop(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_tool_use("get_weather", {"city": "Paris"}, last_user_text="weather")
    fresh.reply_text("Sunny in Paris.", tool_result="get_weather")
    first = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "weather in Paris?"}],
        functions=[WEATHER_FN],  # type: ignore[list-item]
        function_call="auto",
    )
    [call] = first.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    done = oai.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "user", "content": "weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {"role": "function", "name": "get_weather", "content": "sunny, 21C"},
        ],
        functions=[WEATHER_FN],  # type: ignore[list-item]
    )
    assert done.choices[0].message.content == "Sunny in Paris."
    exchange = fresh.journal.all()[-1]
    assert not exchange.violation
    # The function message became a tool_result answering the made-up call id.
    assert exchange.reply_text == "Sunny in Paris."
    assert fresh.journal.all()[-1].step is not None


def test_a_function_message_without_its_call_is_a_bad_request(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        oai.chat.completions.create(
            model=MODEL,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "function", "name": "get_weather", "content": "sunny"},
            ],
        )
    assert "get_weather" in raised.value.message
    assert raised.value.body["param"] == "messages[1]"  # type: ignore[index]


def test_json_object_gets_a_json_object_from_the_default_reply(
    oai: openai.OpenAI, fresh: MockServer
) -> None:
    done = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Give me a JSON object."}],
        response_format={"type": "json_object"},
    )
    content = done.choices[0].message.content
    assert content is not None
    assert isinstance(json.loads(content), dict)
    assert not fresh.journal.all()[-1].violation


def test_json_object_stream_is_json_too(oai: openai.OpenAI) -> None:
    chunks = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "JSON please"}],
        response_format={"type": "json_object"},
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert isinstance(json.loads(text), dict)


def test_json_object_leaves_a_scripted_reply_alone(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_text('{"answer": 42}')
    done = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "the answer?"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(done.choices[0].message.content or "") == {"answer": 42}
