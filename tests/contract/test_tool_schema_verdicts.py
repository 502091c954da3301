"""The tool schema check gives the verdicts of pure-Python jsonschema, checked fast."""

from __future__ import annotations

import random
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from mockserver.contract.tool_schemas import tool_schema_problem

REFERENCE = Draft202012Validator(Draft202012Validator.META_SCHEMA)
KEYWORDS = (
    *("type", "properties", "items", "prefixItems", "required", "enum", "const", "minLength"),
    *("maximum", "exclusiveMinimum", "multipleOf", "pattern", "format", "additionalProperties"),
    *("anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "definitions", "$schema", "$id"),
    *("$anchor", "$dynamicRef", "$vocabulary", "minItems", "uniqueItems", "contains"),
    *("dependentRequired", "dependentSchemas", "patternProperties", "propertyNames", "if"),
    *("unevaluatedProperties", "description", "default", "deprecated", "contentSchema"),
    *("minProperties", "dependencies", "x-vendor"),
)
SUBSCHEMA_MAPS = {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}
SUBSCHEMA_LISTS = {"anyOf", "oneOf", "allOf", "prefixItems"}
SUBSCHEMAS = {"items", "not", "additionalProperties", "if", "contains", "propertyNames"}
SUBSCHEMAS |= {"unevaluatedProperties", "contentSchema"}
TYPES = ("object", "string", "integer", "number", "boolean", "null", "array", "objekt", "")
SCALARS = (0, 1, -1, 1.0, 1.5, 2**70, True, False, None, "x", "", "#/$defs/a", "^a(", [], {})


def value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice((*SCALARS, rng.choice(TYPES)))
    if roll < 0.5:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.6:
        return [rng.choice(TYPES) for _ in range(rng.randint(0, 3))]
    return schema(rng, depth + 1)


def schema(rng: random.Random, depth: int) -> Any:
    if depth and rng.random() < 0.1:
        return rng.choice((True, False, {}, 1, "s", None, []))
    made: dict[str, Any] = {}
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(KEYWORDS)
        if key in SUBSCHEMA_MAPS:
            made[key] = {rng.choice("ab"): sub(rng, depth) for _ in range(rng.randint(0, 3))}
        elif key in SUBSCHEMA_LISTS:
            made[key] = [sub(rng, depth) for _ in range(rng.randint(0, 3))]
        elif key in SUBSCHEMAS:
            made[key] = sub(rng, depth)
        elif key in ("required", "enum"):
            made[key] = [rng.choice(("a", "b", 1, None)) for _ in range(rng.randint(0, 3))]
        else:
            made[key] = value(rng, depth + 1)
    return made


def sub(rng: random.Random, depth: int) -> Any:
    return schema(rng, depth + 1) if rng.random() < 0.8 else value(rng, depth + 1)


def reference_verdict(input_schema: dict[str, Any]) -> bool:
    try:
        return next(REFERENCE.iter_errors(input_schema), None) is None
    except SchemaError:
        return False


def test_random_schemas_get_the_reference_checkers_verdict() -> None:
    rng = random.Random(20261206)
    verdicts = {True: 0, False: 0}
    for _ in range(1500):
        input_schema = schema(rng, 0)
        expected = reference_verdict(input_schema)
        problem = tool_schema_problem([{"name": "t", "input_schema": input_schema}])
        assert (problem is None) is expected, input_schema
        verdicts[expected] += 1
    # Both kinds are well represented, so agreement on either is tested.
    assert min(verdicts.values()) > 300, verdicts
