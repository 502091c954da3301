"""Tool definitions the API accepts never crash the server; client tool schemas are checked
as the API checks them, and the default reply's input generator stays bounded (issue 15)."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx2
import jsonschema
import pytest
from conftest import MODEL, api_headers

from mockserver.server import MockServer


@pytest.mark.parametrize("toolset", ["browser_toolset_20260801", "computer_toolset_20260801"])
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
def test_toolset_configs_with_an_object_under_type_are_counted(
    http: httpx2.Client, toolset: str, path: str
) -> None:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": toolset, "configs": {"type": {}}}],
    }
    if path == "/v1/messages":
        body["max_tokens"] = 20
    reply = http.post(path, json=body, headers=api_headers())
    assert reply.status_code == 200, reply.text


INVALID_SCHEMAS = {
    "min_length_text": {
        "type": "object",
        "properties": {"a": {"type": "string", "minLength": "abc"}},
    },
    "min_items_text": {"type": "object", "properties": {"a": {"type": "array", "minItems": "x"}}},
    "min_properties_text": {"type": "object", "minProperties": "2"},
    "unknown_type": {"type": "object", "properties": {"a": {"type": "objekt"}}},
}
INVALID_WORDING = (
    "tools.1.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft "
    "2020-12 (https://json-schema.org/draft/2020-12). Learn more about tool use at "
    "https://docs.anthropic.com/en/docs/tool-use."
)


def forced(schema: dict[str, Any]) -> dict[str, Any]:
    """A request forcing a call to a tool with `schema`, after one ordinary tool."""
    return {
        "model": MODEL,
        "max_tokens": 2000,
        "messages": [{"role": "user", "content": "go"}],
        "tools": [
            {"name": "plain", "input_schema": {"type": "object"}},
            {"name": "t", "input_schema": schema},
        ],
        "tool_choice": {"type": "tool", "name": "t"},
    }


@pytest.mark.parametrize("name", sorted(INVALID_SCHEMAS))
def test_an_invalid_input_schema_is_the_apis_400(
    client: anthropic.Anthropic, fresh: MockServer, name: str
) -> None:
    for _ in range(2):  # the second answer comes from the remembered verdict
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.create(**forced(INVALID_SCHEMAS[name]))
        assert caught.value.body["error"]["message"] == INVALID_WORDING
    with pytest.raises(anthropic.BadRequestError):
        client.messages.count_tokens(
            **{k: v for k, v in forced(INVALID_SCHEMAS[name]).items() if k != "max_tokens"}
        )
    assert [e.status for e in fresh.journal.all()] == [400, 400, 400]


def deep_list(minimum: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"a": {"type": "array", "minItems": minimum}},
        "required": ["a"],
    }


RECURSIVE = {
    "type": "object",
    "$defs": {
        "node": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {"next": {"$ref": "#/$defs/node"}},
                    "required": ["next"],
                },
                {"type": "null"},
            ]
        }
    },
    "properties": {"a": {"$ref": "#/$defs/node"}},
    "required": ["a"],
}
HARD_SCHEMAS = {
    "dangling_ref": {
        "type": "object",
        "properties": {"a": {"$ref": "#/type/x"}},
        "required": ["a"],
    },
    "tiny_multiple": {
        "type": "object",
        "properties": {"a": {"type": "number", "multipleOf": 1e-320}},
        "required": ["a"],
    },
    "huge_minimum": {
        "type": "object",
        "properties": {"a": {"type": "number", "minimum": 1e308, "multipleOf": 0.1}},
        "required": ["a"],
    },
    "huge_integer": {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 1e30}},
        "required": ["a"],
    },
    "million_items": deep_list(1_000_000),
    "recursive_any_of": RECURSIVE,
    "requires_itself": {"type": "object", "properties": {"n": {"$ref": "#"}}, "required": ["n"]},
    "loop_of_refs": {
        "type": "object",
        "$defs": {"a": {"$ref": "#/$defs/a"}},
        "properties": {"x": {"$ref": "#/$defs/a"}},
        "required": ["x"],
    },
    "branching": {
        "$defs": {
            "n": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "#/$defs/n"}},
                        "required": ["a", "b"],
                    },
                    {"type": "array", "items": {"$ref": "#/$defs/n"}, "minItems": 3},
                    {"type": "boolean"},
                ]
            }
        },
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/n"}},
        "required": ["x"],
    },
}


@pytest.mark.parametrize("name", sorted(HARD_SCHEMAS))
def test_a_valid_but_hard_schema_gets_a_forced_call_quickly(
    client: anthropic.Anthropic, name: str
) -> None:
    started = time.monotonic()
    reply = client.messages.create(**forced(HARD_SCHEMAS[name]))
    assert time.monotonic() - started < 5
    [call] = reply.content
    assert call.type == "tool_use"
    assert call.name == "t"


def test_a_recursive_schema_gets_an_instance_that_fits_it(client: anthropic.Anthropic) -> None:
    reply = client.messages.create(**forced(RECURSIVE))
    jsonschema.validate(reply.content[0].input, RECURSIVE)  # type: ignore[union-attr]
