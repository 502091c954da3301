"""Generated instances are valid against their schemas (checked with jsonschema)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver.scripting.pattern_sample import sample_pattern
from mockserver.scripting.schema_instance import generate

SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    {
        "type": "object",
        "properties": {"unit": {"enum": ["celsius", "fahrenheit"]}, "n": {"const": 3}},
        "required": ["unit", "n"],
    },
    {
        "type": "object",
        "properties": {"limit": {"type": "integer", "default": 10}},
        "required": ["limit"],
    },
    {
        "type": "object",
        "$defs": {
            "point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}
        },
        "properties": {
            "a": {"$ref": "#/$defs/point"},
            "b": {"type": "array", "items": {"$ref": "#/$defs/point"}, "minItems": 2},
        },
        "required": ["a", "b"],
    },
    {
        "type": "object",
        "definitions": {"s": {"type": "string", "minLength": 12}},
        "properties": {"s": {"$ref": "#/definitions/s"}},
        "required": ["s"],
    },
    {
        "anyOf": [
            {"type": "null"},
            {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        ]
    },
    {"oneOf": [{"type": "integer", "minimum": 5}, {"type": "string", "maxLength": 2}]},
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
        ]
    },
    {"type": ["null", "string"], "format": "email"},
    *(
        {"type": "string", "format": f}
        for f in ("date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname")
    ),
    {"type": "string", "minLength": 3, "maxLength": 5},
    {"type": "string", "maxLength": 3},
    {"type": "string", "pattern": r"^[A-Z]{2}-\d{4}$"},
    {"type": "string", "pattern": r"^(red|green)_[a-f0-9]{6}$"},
    {"type": "integer", "minimum": 10, "maximum": 20, "multipleOf": 7},
    {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
    {"type": "number", "minimum": 0.5, "maximum": 0.75},
    {"type": "number", "maximum": -3},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
    {"type": "array", "maxItems": 0},
    {"type": "array", "contains": {"const": 7}, "items": {"type": "integer"}},
    {
        "type": "object",
        "minProperties": 2,
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {}},
    },
    {"type": "object", "additionalProperties": {"type": "integer"}, "required": ["z"]},
    {  # recursive: a tree whose children are trees
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["name", "children"],
            }
        },
        "$ref": "#/$defs/node",
    },
    {  # structured output as the SDK's parse() sends it
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "plan": {"type": "string", "enum": ["free", "pro"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "address": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {"zip": {"type": "string", "pattern": r"^\d{5}$"}},
                        "required": ["zip"],
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "required": ["name", "email", "plan", "tags", "address"],
        "additionalProperties": False,
    },
    {},
    {"type": "boolean"},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_generated_instance_is_valid(schema: dict[str, Any]) -> None:
    instance = generate(schema)
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(instance)]
    assert errors == [], (instance, errors)


def test_generation_is_deterministic_and_prefers_non_null() -> None:
    schema = SCHEMAS[5]
    assert generate(schema) == generate(schema) == {"q": "example"}
    assert generate({"type": "string", "format": "date"}) == "2025-01-01"
    assert generate(SCHEMAS[2]) == {"limit": 10}


@pytest.mark.parametrize(
    "pattern",
    [r"^\+?[1-9]\d{1,14}$", r"[^abc]{2}", r"^\w+@\w+\.(com|org)$", r"^(?:a|b)+c?$", r"x(?=y)y"],
)
def test_pattern_samples_match(pattern: str) -> None:
    sample = sample_pattern(pattern)
    assert sample is not None
    assert re.search(pattern, sample)
