"""Each per-model fact of the catalog, as a client meets it through the official SDK.

One parametrized test per rule runs over every model a request may name, so a row of
data/models.yaml is checked by the server's answers, not by reading the row back.
"""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest
from conftest import TEST_KEY
from model_facts_support import SERVED, error_message, ids, model, send

from mockserver.catalog import EFFORT_LEVELS, THINKING_TYPES, ModelSpec
from mockserver.server import MockServer

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


@pytest.fixture
def client_2023(fresh: MockServer) -> Iterator[anthropic.Anthropic]:
    """API version 2023-06-01, where the sampling parameters exist (2026-10-21 has none)."""
    with anthropic.Anthropic(
        base_url=fresh.base_url,
        api_key=TEST_KEY,
        max_retries=0,
        default_headers={"anthropic-version": "2023-06-01"},
    ) as sdk:
        yield sdk


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_max_tokens_up_to_the_models_output_limit(
    client: anthropic.Anthropic, spec: ModelSpec
) -> None:
    # An explicit timeout: the SDK refuses a long non-streaming call without one.
    create = client.with_options(timeout=30).messages.create
    status, _ = send(create, model=spec.id, max_tokens=spec.max_output_tokens)
    assert status == 200
    status, body = send(create, model=spec.id, max_tokens=spec.max_output_tokens + 1)
    assert status == 400
    assert error_message(body) == (
        f"max_tokens: {spec.max_output_tokens + 1} > {spec.max_output_tokens}, which is the "
        f"maximum allowed number of output tokens for {spec.id}"
    )


def test_sonnet_4_6_takes_the_128k_that_clients_send(client: anthropic.Anthropic) -> None:
    # pydantic-ai and the AI SDK send max_tokens 128000 for it; 64000 was the old, wrong limit.
    create = client.with_options(timeout=30).messages.create
    assert send(create, model="claude-sonnet-4-6", max_tokens=128_000)[0] == 200


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_effort_levels_per_model(client: anthropic.Anthropic, spec: ModelSpec) -> None:
    for level in EFFORT_LEVELS:
        status, body = send(client.messages.create, model=spec.id, output_config={"effort": level})
        assert status == (200 if level in spec.effort else 400), (level, body)
        if status == 400 and spec.effort:
            levels = ", ".join(sorted(spec.effort))
            assert error_message(body) == (
                f"This model does not support effort level '{level}'. Supported levels: {levels}."
            )


def test_opus_4_6_refuses_xhigh_in_the_observed_words(client: anthropic.Anthropic) -> None:
    status, body = send(
        client.messages.create, model="claude-opus-4-6", output_config={"effort": "xhigh"}
    )
    assert status == 400
    assert error_message(body) == (
        "This model does not support effort level 'xhigh'. Supported levels: high, low, max, "
        "medium."
    )
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_sampling_parameters_per_model(client_2023: anthropic.Anthropic, spec: ModelSpec) -> None:
    create = client_2023.messages.create
    refused = spec.sampling == "deprecated"
    # The default value is accepted everywhere.
    assert send(create, model=spec.id, extra_body={"temperature": 1})[0] == 200
    for name, value in (("temperature", 0.5), ("top_p", 0.9), ("top_k", 40)):
        status, body = send(create, model=spec.id, extra_body={name: value})
        assert status == (400 if refused else 200), (name, body)
        if refused:
            assert error_message(body) == f"`{name}` is deprecated for this model."
    status, body = send(create, model=spec.id, extra_body={"temperature": 0.5, "top_p": 0.9})
    assert status == (200 if spec.sampling == "accepted" else 400), body
    if spec.sampling == "exclusive":
        assert error_message(body) == (
            "`temperature` and `top_p` cannot both be specified for this model."
        )


def _thinking(kind: str) -> dict[str, object]:
    return {"type": kind, "budget_tokens": 1024} if kind == "enabled" else {"type": kind}


# The SDK warns before sending budget thinking to some models; the server's answer is the test.
@pytest.mark.filterwarnings("ignore:Using Claude with")
@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_thinking_modes_per_model(client: anthropic.Anthropic, spec: ModelSpec) -> None:
    for kind in THINKING_TYPES:
        status, body = send(
            client.messages.create, model=spec.id, max_tokens=2048, thinking=_thinking(kind)
        )
        assert status == (200 if kind in spec.thinking_types else 400), (kind, body)


def test_budget_thinking_refused_from_opus_4_7_in_the_observed_words(
    client: anthropic.Anthropic,
) -> None:
    for model_id in ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5"):
        status, body = send(
            client.messages.create, model=model_id, max_tokens=2048, thinking=_thinking("enabled")
        )
        assert status == 400
        assert error_message(body).startswith(
            '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive"'
        )


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_a_model_that_thinks_by_default_replies_with_thinking(
    client: anthropic.Anthropic, spec: ModelSpec
) -> None:
    status, body = send(client.messages.create, model=spec.id)
    assert status == 200
    kinds = [block["type"] for block in body["content"]]
    assert kinds[0] == ("thinking" if spec.thinks_by_default else "text"), kinds
    assert kinds[-1] == "text"


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_forced_tool_choice_per_model(client: anthropic.Anthropic, spec: ModelSpec) -> None:
    for choice in ({"type": "any"}, {"type": "tool", "name": "get_weather"}):
        status, body = send(
            client.messages.create, model=spec.id, tools=[WEATHER], tool_choice=choice
        )
        assert status == (200 if spec.forced_tool_choice else 400), (choice, body)
        if status == 400:
            assert error_message(body) == (
                'tool_choice: type "tool" and "any" are not supported for this model.'
            )
        else:
            assert body["content"][-1]["name"] == "get_weather"


def test_the_5_2_models_refuse_forced_tool_choice() -> None:
    assert not model("claude-fable-5-2").forced_tool_choice
    assert not model("claude-mythos-5-2").forced_tool_choice
    assert model("claude-fable-5").forced_tool_choice


@pytest.mark.parametrize(
    ("model_id", "thinking", "refused"),
    [
        ("claude-opus-5", {"type": "disabled"}, True),
        ("claude-haiku-5-5", {"type": "disabled"}, True),
        ("claude-opus-4-8", {"type": "disabled"}, False),
        ("claude-sonnet-5-5", {"type": "between_tools"}, True),
        ("claude-opus-5", {"type": "adaptive"}, False),
    ],
)
def test_effort_above_high_needs_thinking(
    client: anthropic.Anthropic, model_id: str, thinking: dict[str, str], refused: bool
) -> None:
    for level in ("xhigh", "max"):
        status, body = send(
            client.messages.create,
            model=model_id,
            thinking=thinking,
            output_config={"effort": level},
        )
        assert status == (400 if refused else 200), body
        if refused:
            assert body["error"]["message"].startswith(f"Effort level '{level}' is not supported")
    # `high` is the most such a request may ask for.
    status, _ = send(
        client.messages.create, model=model_id, thinking=thinking, output_config={"effort": "high"}
    )
    assert status == 200
