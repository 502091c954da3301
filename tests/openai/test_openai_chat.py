"""POST /v1/chat/completions driven by the official OpenAI SDK, as its users drive it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import httpx2
import openai
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory
from pydantic import BaseModel

from mockserver.server import MockServer

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
def oai(fresh: MockServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=0) as sdk:
        yield sdk


def test_create_answers_a_chat_completion(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_text("Bonjour!", last_user_text="hello")
    done = oai.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You translate."},
            {"role": "developer", "content": "Into French."},
            {"role": "user", "content": "hello"},
        ],
    )
    assert done.object == "chat.completion"
    assert done.model == MODEL
    choice = done.choices[0]
    assert (choice.message.role, choice.message.content) == ("assistant", "Bonjour!")
    assert choice.finish_reason == "stop"
    assert done.usage is not None
    assert done.usage.prompt_tokens > 0
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens
    assert done.usage.prompt_tokens_details is not None
    assert done.usage.prompt_tokens_details.cached_tokens == 0
    exchange = fresh.journal.all()[-1]
    assert exchange.api == "openai"
    assert exchange.to_json()["api"] == "openai"
    # The journal keeps the body as sent; the step matched the converted conversation.
    assert exchange.body["messages"][0]["role"] == "system"
    assert exchange.step is not None


def test_max_tokens_and_stop_map_to_finish_reasons(oai: openai.OpenAI, fresh: MockServer) -> None:
    long = oai.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "tell me a story"}], max_tokens=3
    )
    assert long.choices[0].finish_reason == "length"
    assert long.usage is not None
    assert long.usage.completion_tokens == 3
    stopped = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        max_completion_tokens=200,
        stop="mockserver",
        temperature=1.7,  # OpenAI's range reaches 2; capped at 1, not refused
        seed=7,
        presence_penalty=0.5,
        user="user-1",
    )
    assert stopped.choices[0].finish_reason == "stop"
    body = fresh.journal.all()[-1].body
    assert body["seed"] == 7
    assert body["stop"] == "mockserver"


def test_stream_with_usage(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_text("A streamed answer that spans several chunks.")
    stream = oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "stream please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    got = list(stream)
    assert got[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in got)
    text = "".join(c.choices[0].delta.content or "" for c in got if c.choices)
    assert text == "A streamed answer that spans several chunks."
    assert sum(1 for c in got if c.choices and c.choices[0].delta.content) > 1
    finish = [c.choices[0].finish_reason for c in got if c.choices and c.choices[0].finish_reason]
    assert finish == ["stop"]
    assert got[-1].choices == []
    assert got[-1].usage is not None
    assert got[-1].usage.completion_tokens > 0
    assert fresh.journal.all()[-1].streamed


def test_stream_ends_with_done_and_has_no_usage_unless_asked(fresh: MockServer) -> None:
    raw = httpx2.post(
        fresh.base_url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {TEST_KEY}"},
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True},
        timeout=10,
    )
    frames = [line[6:] for line in raw.text.split("\n") if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_tool_loop(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_tool_use("get_weather", {"city": "Paris"}, last_user_text="weather")
    fresh.reply_text("Sunny in Paris.", tool_result="get_weather")
    messages: list[dict[str, object]] = [{"role": "user", "content": "weather in Paris?"}]
    first = oai.chat.completions.create(
        model=MODEL,
        messages=messages,  # type: ignore[arg-type]
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice="auto",
        parallel_tool_calls=False,
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls or []
    assert len(calls) == 1
    assert calls[0].type == "function"
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    sent = fresh.journal.all()[-1].body
    assert sent["parallel_tool_calls"] is False
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": "24°C, sunny"})
    second = oai.chat.completions.create(
        model=MODEL,
        messages=messages,  # type: ignore[arg-type]
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert second.choices[0].message.content == "Sunny in Paris."
    assert second.choices[0].finish_reason == "stop"


def test_streamed_tool_call_deltas(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_tool_use("get_weather", {"city": "Rio de Janeiro"})
    chunks = list(
        oai.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "weather?"}],
            tools=[WEATHER],  # type: ignore[list-item]
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            stream=True,
        )
    )
    deltas = [d for c in chunks for d in (c.choices[0].delta.tool_calls or [])]
    assert deltas[0].id
    assert deltas[0].function
    assert deltas[0].function.name == "get_weather"
    assert all(d.index == 0 for d in deltas)
    assert len(deltas) > 2
    arguments = "".join(d.function.arguments or "" for d in deltas if d.function)
    assert json.loads(arguments) == {"city": "Rio de Janeiro"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


class Weather(BaseModel):
    city: str
    celsius: int


def test_structured_output_parse(oai: openai.OpenAI, fresh: MockServer) -> None:
    done = oai.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "the weather in Oslo as JSON"}],
        response_format=Weather,
    )
    parsed = done.choices[0].message.parsed
    assert isinstance(parsed, Weather)
    # The converted request went down the Messages structured-output path.
    sent = fresh.journal.all()[-1].body
    assert sent["response_format"]["type"] == "json_schema"


def test_image_parts_are_accepted(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.reply_text("A picture.", image=True)
    pixel = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
        "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    done = oai.chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{pixel}"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                ],
            }
        ],
    )
    assert done.choices[0].message.content == "A picture."


def test_bad_request_raises_bad_request_error(oai: openai.OpenAI, fresh: MockServer) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=-1
        )
    assert "max_tokens" in caught.value.message
    body = caught.value.body
    assert isinstance(body, dict)
    assert set(body) >= {"message", "type", "param", "code"}
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], n=2)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["param"] == "n"
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    # The server kept serving after every refusal.
    ok = oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert ok.choices[0].message.content


def test_malformed_messages_get_the_openai_envelope(fresh: MockServer) -> None:
    headers = {"authorization": f"Bearer {TEST_KEY}"}
    url = fresh.base_url + "/v1/chat/completions"
    for messages in (
        "hi",
        [{"role": "wizard", "content": "x"}],
        [
            {
                "role": "assistant",
                "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{"}}],
            }
        ],
        [{"role": "tool", "content": "x"}],
        [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x"}}]}],
    ):
        answer = httpx2.post(url, headers=headers, json={"model": MODEL, "messages": messages})
        assert answer.status_code == 400, messages
        error = answer.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["message"]
    broken = httpx2.post(url, headers=headers, content=b"{not json")
    assert broken.status_code == 400
    assert "error" in broken.json()


def test_bearer_only(server_factory: ServerFactory) -> None:
    srv = server_factory(api_keys=frozenset({TEST_KEY}))
    url = srv.base_url + "/v1/chat/completions"
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    refused = httpx2.post(url, headers={"x-api-key": TEST_KEY}, json=body)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    wrong = openai.OpenAI(base_url=srv.base_url + "/v1", api_key="wrong", max_retries=0)
    with wrong, pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    with openai.OpenAI(base_url=srv.base_url + "/v1", api_key=TEST_KEY, max_retries=0) as sdk:
        ok = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert ok.choices[0].message.content


def test_429_is_retried(fresh: MockServer) -> None:
    fresh.fail_next(429, times=1, retry_after=0)
    with openai.OpenAI(base_url=fresh.base_url + "/v1", api_key=TEST_KEY, max_retries=2) as sdk:
        done = sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}]
        )
    assert done.choices[0].message.content
    statuses = [e.status for e in fresh.journal.all()]
    assert statuses == [429, 200]
    assert fresh.journal.all()[0].error == {
        "message": fresh.journal.all()[0].error["message"],  # type: ignore[index]
        "type": "rate_limit_error",
        "param": None,
        "code": None,
    }


def test_429_raised_when_retries_run_out(oai: openai.OpenAI, fresh: MockServer) -> None:
    fresh.fail_next(429, times=1, retry_after=0)
    with pytest.raises(openai.RateLimitError):
        oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def test_models_list_in_each_shape(
    oai: openai.OpenAI, fresh: MockServer, client: anthropic.Anthropic
) -> None:
    ids = [m.id for m in oai.models.list()]
    assert MODEL in ids
    assert all(m.object == "model" and m.owned_by == "anthropic" for m in oai.models.list())
    anthropic_page = fresh.journal.all()[-1]
    assert anthropic_page.response["object"] == "list"
    page = client.models.list()
    assert MODEL in [m.id for m in page.data]
    assert fresh.journal.all()[-1].response["data"][0]["type"] == "model"
