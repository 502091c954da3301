"""A small, deterministic instance valid against a JSON Schema.

The default reply needs one for a forced tool call (the tool's `input_schema`) and for
structured output (`output_config.format.schema`). Covered: required properties, enum,
const, default, local `$ref` / `$defs`, allOf / anyOf / oneOf, type lists, string
formats, lengths and patterns, number ranges and multiples, array sizes, uniqueness,
prefixItems, nested objects and arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema.validators import validator_for

from .pattern_sample import sample_pattern

FORMATS = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri": "https://example.com/",
    "iri-reference": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "regex": ".*",
    "json-pointer": "",
}
# Past this depth arrays stay as short as allowed, so recursive schemas end.
MAX_DEPTH = 6


def is_valid(
    schema: Mapping[str, Any], instance: Any, root: Mapping[str, Any] | None = None
) -> bool:
    """Whether `instance` fits `schema` (whose local `$ref`s point into `root`)."""
    scope = dict(schema)
    for defs in ("$defs", "definitions"):
        if root is not None and defs in root:
            scope.setdefault(defs, root[defs])
    try:
        return bool(validator_for(scope)(scope).is_valid(instance))
    except Exception:  # an unresolvable reference or a broken schema: cannot tell
        return False


def generate(schema: Any) -> Any:
    """An instance of `schema`; best effort where the schema uses what is not covered."""
    return _Generator(schema if isinstance(schema, Mapping) else {}).make(schema, 0, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> Any:
        node: Any = self.root
        for part in ref.removeprefix("#").strip("/").split("/"):
            if not part:
                continue
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node.get(key, {})
        return node

    def make(self, schema: Any, depth: int, variant: int) -> Any:
        if schema is True or not isinstance(schema, Mapping):
            return "example"
        if "$ref" in schema and isinstance(schema["$ref"], str) and schema["$ref"].startswith("#"):
            merged = {
                **self.resolve(schema["$ref"]),
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
            return self.make(merged, depth + 1, variant)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][variant % len(schema["enum"])]
        if "default" in schema and variant == 0 and is_valid(schema, schema["default"], self.root):
            return schema["default"]
        if isinstance(schema.get("allOf"), list):
            merged = _merge([schema, *schema["allOf"]])
            return self.make(merged, depth, variant)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list):
                return self.branch(schema, key, depth, variant)
        return self.typed(schema, _type_of(schema), depth, variant)

    def branch(self, schema: Mapping[str, Any], key: str, depth: int, variant: int) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        options = sorted(
            schema[key], key=lambda b: isinstance(b, Mapping) and b.get("type") == "null"
        )
        candidates = [self.make(_merge([rest, b]), depth + 1, variant) for b in options]
        for candidate in candidates:
            if is_valid(schema, candidate, self.root):
                return candidate
        return candidates[0] if candidates else None

    def typed(self, schema: Mapping[str, Any], kind: str, depth: int, variant: int) -> Any:
        if kind == "object":
            return self.object(schema, depth, variant)
        if kind == "array":
            return self.array(schema, depth)
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer", variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return _string(schema, variant)

    def object(self, schema: Mapping[str, Any], depth: int, variant: int) -> dict[str, Any]:
        given = schema.get("properties")
        properties: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        names = [n for n in schema.get("required", []) if isinstance(n, str)]
        wanted = schema.get("minProperties", 0)
        names += [n for n in properties if n not in names][: max(0, wanted - len(names))]
        extra = schema.get("additionalProperties", {})
        return {
            name: self.make(
                properties.get(name, extra if isinstance(extra, Mapping) else {}),
                depth + 1,
                variant,
            )
            for name in names
        }

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = [self.make(s, depth + 1, 0) for s in schema.get("prefixItems", [])]
        items = schema.get("items", {} if not prefix else False)
        low = int(schema.get("minItems", 0))
        count = max(low, len(prefix) + (1 if depth < MAX_DEPTH and items is not False else 0))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        out = prefix[:count]
        out += [self.make(items, depth + 1, i) for i in range(len(out), count)]
        if isinstance(schema.get("contains"), Mapping) and not any(
            is_valid(schema["contains"], v, self.root) for v in out
        ):
            out[-1:] = [self.make(schema["contains"], depth + 1, 0)]
        return out


def _merge(parts: Sequence[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "allOf":
                continue
            if key == "properties" and key in merged:
                merged[key] = {**merged[key], **value}
            elif key == "required" and key in merged:
                merged[key] = [*merged[key], *[v for v in value if v not in merged[key]]]
            else:
                merged[key] = value
    return merged


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        return str(real[0]) if real else "null"
    if isinstance(kind, str):
        return kind
    hints = {
        "properties": "object",
        "required": "object",
        "items": "array",
        "prefixItems": "array",
        "minimum": "number",
        "maximum": "number",
        "multipleOf": "number",
    }
    return next((t for k, t in hints.items() if k in schema), "string")


def _string(schema: Mapping[str, Any], variant: int) -> str:
    fmt = schema.get("format")
    if isinstance(schema.get("pattern"), str):
        value = sample_pattern(schema["pattern"]) or "example"
    elif isinstance(fmt, str) and fmt in FORMATS:
        value = FORMATS[fmt]
    else:
        value = "example" if variant == 0 else f"example {variant + 1}"
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(value) < low:
        value += "x" * (low - len(value))
    if isinstance(high, int) and len(value) > high:
        value = value[:high]
    return value


def _number(schema: Mapping[str, Any], integer: bool, variant: int) -> int | float:
    low: float = -math.inf
    high: float = math.inf
    if isinstance(schema.get("minimum"), int | float):
        low = schema["minimum"]
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = max(low, schema["exclusiveMinimum"] + (1 if integer else 1e-9))
    if isinstance(schema.get("maximum"), int | float):
        high = schema["maximum"]
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = min(high, schema["exclusiveMaximum"] - (1 if integer else 1e-9))
    value: float = (low if low > -math.inf else min(1, high)) + variant
    value = min(value, high)
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = math.ceil(round(value / step, 9)) * step
    if integer or float(value).is_integer():
        value = math.ceil(value) if low > -math.inf else math.floor(value)
        return int(value)
    return value
