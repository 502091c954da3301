"""Retired and kept models, dated aliases, what /v1/models advertises, and the per-model
rules on the conversation: system messages, the context budget, tool_choice, binding."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from model_facts_support import CATALOG, SERVED, error_message, ids, send

from mockserver.catalog import ModelSpec

RETIRED = [m for m in CATALOG if m.lifecycle == "retired"]
# The gateways' documented examples (shared/seeds) name these: still served on purpose.
SEED_IDS = {
    "claude-3-opus-20240229",
    "claude-3-haiku-20240307",
    "claude-3-sonnet-20240229",
    "claude-3-5-sonnet-20241022",
}
WEATHER = {"name": "get_weather", "input_schema": {"type": "object"}}
BINDING_BETA = "thinking-binding-controls-2026-08-01"


@pytest.mark.parametrize("model_id", ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"])
def test_a_retired_model_is_refused_as_the_api_refuses_it(
    client: anthropic.Anthropic, model_id: str
) -> None:
    status, body = send(client.messages.create, model=model_id)
    assert status == 404
    assert body["error"] == {"type": "not_found_error", "message": f"model: {model_id}"}
    status, body = send(client.messages.count_tokens, model=model_id, max_tokens=None)
    assert status == 404


def test_only_the_seed_ids_are_served_after_retirement() -> None:
    assert {m.id for m in RETIRED if m.served} == SEED_IDS
    assert {m.id for m in RETIRED if not m.served} == {"claude-sonnet-4-5-20250929"}


def test_retired_models_are_listed_only_when_asked(client: anthropic.Anthropic) -> None:
    listed = [m.id for m in client.models.list(limit=1000)]
    assert not {m.id for m in RETIRED} & set(listed)
    retired = list(client.models.list(lifecycle=["retired"], limit=1000))
    assert {m.id for m in retired} == {m.id for m in RETIRED}
    assert all(m.lifecycle == "retired" and m.deprecated_at is not None for m in retired)
    both = [m.id for m in client.models.list(lifecycle=["active", "retired"], limit=1000)]
    assert "claude-sonnet-4-5-20250929" in both
    assert "claude-opus-4-5-20251101" not in both
    # Retrieving one still works: the catalogue keeps it as the record of its retirement.
    assert client.models.retrieve("claude-sonnet-4-5").lifecycle == "retired"


def test_a_deprecated_model_is_served_without_a_warning_header(
    client: anthropic.Anthropic,
) -> None:
    raw = client.messages.with_raw_response.create(
        model="claude-opus-4-5", max_tokens=8, messages=[{"role": "user", "content": "Hi"}]
    )
    assert raw.status_code == 200
    assert not [name for name in raw.headers if "warn" in name.lower()]


@pytest.mark.parametrize(
    ("dated", "model_id"),
    [
        ("claude-opus-4-6-20260205", "claude-opus-4-6"),
        ("claude-opus-4-7-20260416", "claude-opus-4-7"),
    ],
)
def test_dated_ids_are_aliases(client: anthropic.Anthropic, dated: str, model_id: str) -> None:
    status, body = send(client.messages.create, model=dated)
    assert status == 200
    assert body["model"] == model_id
    assert client.models.retrieve(dated).id == model_id


def test_models_advertise_batches(client: anthropic.Anthropic) -> None:
    models = list(client.models.list(limit=1000))
    assert len(models) == len([m for m in CATALOG if m.lifecycle != "retired"])
    assert all(m.capabilities and m.capabilities.batch.supported for m in models)
    # And the batches endpoint is there: an empty batch is refused as the API refuses it.
    status, body = send(client.messages.batches.create, requests=[], max_tokens=None, messages=None)
    assert status == 400
    assert body["error"]["message"].startswith("requests: List should have at least 1 item")


def test_effort_capabilities_follow_the_catalog(client: anthropic.Anthropic) -> None:
    for spec in SERVED:
        caps = client.models.retrieve(spec.id).capabilities
        assert caps is not None
        effort = caps.effort.model_dump()
        assert effort["supported"] is bool(spec.effort), spec.id
        assert {k for k, v in effort.items() if isinstance(v, dict) and v["supported"]} == set(
            spec.effort
        )
    assert client.models.retrieve("claude-opus-4-7").capabilities.effort.xhigh.supported  # type: ignore[union-attr]


def _with_system_message(*, leading: bool = False) -> list[dict[str, Any]]:
    note = {"role": "system", "content": "Answer in French."}
    if leading:
        return [note, {"role": "user", "content": "Hi"}]
    return [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        note,
        {"role": "user", "content": "How are you?"},
    ]


@pytest.mark.parametrize("spec", SERVED, ids=ids(SERVED))
def test_system_messages_per_model(client: anthropic.Anthropic, spec: ModelSpec) -> None:
    status, body = send(client.messages.create, model=spec.id, messages=_with_system_message())
    assert status == (200 if spec.system_messages else 400), body
    if status == 400:
        assert error_message(body) == "role 'system' is not supported on this model"


def test_a_leading_system_message_belongs_in_system(client: anthropic.Anthropic) -> None:
    status, body = send(
        client.messages.create, model="claude-opus-5", messages=_with_system_message(leading=True)
    )
    assert status == 400
    assert error_message(body) == (
        "messages.0: use the top-level 'system' parameter for the initial system prompt"
    )


def test_input_and_max_tokens_must_fit_the_context_window_before_sonnet_4_5(
    client: anthropic.Anthropic,
) -> None:
    messages = [{"role": "user", "content": "word " * 196_000}]
    counted = client.messages.count_tokens(model="claude-3-haiku-20240307", messages=messages)
    n = counted.input_tokens
    assert 196_000 <= n < 200_000 - 100
    create = client.with_options(timeout=30).messages.create
    status, body = send(create, model="claude-3-haiku-20240307", messages=messages, max_tokens=4096)
    assert status == 400
    assert error_message(body) == (
        f"input length and `max_tokens` exceed context limit: {n} + 4096 > 200000, "
        "decrease input length or `max_tokens` and try again"
    )
    fits = 200_000 - n
    assert (
        send(create, model="claude-3-haiku-20240307", messages=messages, max_tokens=fits)[0] == 200
    )
    # Haiku 4.5 (after Sonnet 4.5's rule change) stops at the window instead.
    assert send(create, model="claude-haiku-4-5", messages=messages, max_tokens=8192)[0] == 200


def test_tool_choice_must_name_an_offered_tool(client: anthropic.Anthropic) -> None:
    status, body = send(
        client.messages.create,
        model="claude-sonnet-4-6",
        tools=[WEATHER],
        tool_choice={"type": "tool", "name": "get_time"},
    )
    assert status == 400
    assert error_message(body) == "tool_choice.tool.name: Tool 'get_time' not found in tools"
    for choice in ({"type": "auto"}, {"type": "any"}, {"type": "tool", "name": "get_weather"}):
        status, body = send(client.messages.create, model="claude-sonnet-4-6", tool_choice=choice)
        assert status == 400
        assert error_message(body) == "tool_choice may only be specified while providing tools."
    assert (
        send(client.messages.create, model="claude-sonnet-4-6", tool_choice={"type": "none"})[0]
        == 200
    )


def _replayed(client: anthropic.Anthropic, model_id: str, **thinking: Any) -> int:
    """Status of a request sending a reply's thinking back under another system prompt."""
    first = client.messages.create(
        model=model_id,
        max_tokens=256,
        system="You are terse.",
        messages=[{"role": "user", "content": "Hi"}],
    )
    assert first.content[0].type == "thinking"
    history = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": "More"},
    ]
    status, _ = send(
        client.beta.messages.create,
        model=model_id,
        betas=[BINDING_BETA],
        system="You are verbose.",
        messages=history,
        thinking={"type": "adaptive", **thinking},
    )
    return status


def test_thinking_binding_always_or_on_request(client: anthropic.Anthropic) -> None:
    ask = {"block_binding": {"prefix_mismatch_behavior": "error"}}
    drop = {"block_binding": {"prefix_mismatch_behavior": "drop_block"}}
    # Sonnet 5.5 binds on every request; Opus 5.5 only when the request asks; Opus 5 never.
    assert _replayed(client, "claude-sonnet-5-5") == 400
    assert _replayed(client, "claude-sonnet-5-5", **drop) == 200
    assert _replayed(client, "claude-opus-5-5") == 200
    assert _replayed(client, "claude-opus-5-5", **ask) == 400
    assert _replayed(client, "claude-opus-5", **ask) == 200
