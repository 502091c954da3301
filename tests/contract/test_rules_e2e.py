"""The semantic rules as a client meets them: the official SDK against a running server."""

from __future__ import annotations

import base64
from typing import Any

import anthropic
import pytest
from rules_support import jpeg, png

from mockserver.server import MockServer

MODEL = "claude-sonnet-4-6"


def _error(caught: pytest.ExceptionInfo[anthropic.BadRequestError]) -> dict[str, Any]:
    assert caught.value.status_code == 400
    body = caught.value.body
    assert isinstance(body, dict)
    error: dict[str, Any] = body["error"]
    assert error["type"] == "invalid_request_error"
    return error


def _refusal(client: anthropic.Anthropic, calls: list[Any], answer: Any) -> str:
    """The message of the 400 for a tool call answered by `answer` (its next user turn)."""
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL,
            max_tokens=100,
            messages=[
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": calls},
                {"role": "user", "content": answer},
            ],
        )
    message: str = _error(caught)["message"]
    return message


def _call(tool_id: str, **tool_input: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": "w", "input": tool_input}


def test_unanswered_tool_use_is_refused_with_the_api_message(client: anthropic.Anthropic) -> None:
    assert _refusal(client, [_call("toolu_01A"), _call("toolu_01B")], "Never mind.") == (
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A, toolu_01B. Each `tool_use` block must have a corresponding `tool_result` "
        "block in the next message."
    )


def test_results_after_text_and_repeated_ids_are_refused(client: anthropic.Anthropic) -> None:
    result = {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "Sunny."}
    late = [{"type": "text", "text": "Here:"}, result]
    assert _refusal(client, [_call("toolu_01A")], late).startswith(
        "messages.1: `tool_use` ids were found without `tool_result` blocks"
    )
    repeated = [_call("toolu_01A"), _call("toolu_01A", again=True)]
    assert _refusal(client, repeated, [result]) == (
        "messages.1.content.1: tool_use ids must be unique"
    )


def test_max_tokens_over_the_model_limit_names_the_dated_model(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=128001,
            messages=[{"role": "user", "content": "hi"}],
            timeout=30,  # an explicit timeout skips the SDK's own long-request guard
        )
    assert _error(caught)["message"] == (
        "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for "
        "claude-haiku-4-5-20251001"
    )


def test_streamed_request_is_refused_before_the_stream(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL,
            max_tokens=100,
            stream=True,
            messages=[
                {"role": "user", "content": "Name a colour."},
                {"role": "assistant", "content": "Blue"},
            ],
        )
    assert _error(caught)["message"] == (
        "This model does not support assistant message prefill. The conversation must end with "
        "a user message."
    )


def test_count_tokens_applies_the_pairing_rules(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.count_tokens(
            model=MODEL,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_01X", "content": "x"}
                    ],
                },
            ],
        )
    assert _error(caught)["message"].startswith(
        "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01X."
    )


def test_image_with_the_wrong_media_type_is_refused(client: anthropic.Anthropic) -> None:
    data = base64.b64encode(jpeg(64, 48)).decode()
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL,
            max_tokens=100,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": data},
                        },
                        {"type": "text", "text": "What is this?"},
                    ],
                }
            ],
        )
    assert _error(caught)["message"] == (
        "messages.0.content.0.image.source.base64: The image was specified using the image/png "
        "media type, but the image appears to be a image/jpeg image"
    )


def test_thinking_sent_back_must_be_the_servers_and_unaltered(
    client: anthropic.Anthropic, fresh: MockServer
) -> None:
    first: list[anthropic.types.MessageParam] = [{"role": "user", "content": "What is 6x7?"}]
    signature = fresh.state.signer.mint("6x7 is 42.", {"messages": first})
    turn: list[anthropic.types.MessageParam] = [
        *first,
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "6x7 is 42.", "signature": signature},
                {"type": "text", "text": "42"},
            ],
        },
        {"role": "user", "content": "And 6x8?"},
    ]
    answer = client.messages.create(
        model=MODEL, max_tokens=2048, thinking={"type": "adaptive"}, messages=turn
    )
    assert answer.type == "message"
    altered = [*turn]
    altered[1] = {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "6x7 is 41.", "signature": signature},
            {"type": "text", "text": "41"},
        ],
    }
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model=MODEL, max_tokens=2048, thinking={"type": "adaptive"}, messages=altered
        )
    assert (
        _error(caught)["message"] == "messages.1.content.0: Invalid `signature` in `thinking` block"
    )


def test_more_than_a_hundred_images_are_refused_and_a_hundred_pass(
    client: anthropic.Anthropic,
) -> None:
    screenshot = base64.b64encode(png(64, 48)).decode()
    source = {"type": "base64", "media_type": "image/png", "data": screenshot}

    def ask(count: int) -> Any:
        content: list[Any] = [{"type": "image", "source": source} for _ in range(count)]
        content.append({"type": "text", "text": "Which of these differ?"})
        return client.messages.create(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": content}]
        )

    assert ask(100).stop_reason == "end_turn"
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(101)
    assert _error(caught)["message"] == "too many images and documents: 101 + 0 > 100"
