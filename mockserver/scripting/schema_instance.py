"""A small, deterministic instance valid against a JSON Schema.

The default reply needs one for a forced tool call (the tool's `input_schema`) and for
structured output (`output_config.format.schema`). Covered: required properties, enum,
const, default, local `$ref` / `$defs`, allOf / anyOf / oneOf, type lists, string
formats, lengths and patterns, number ranges and multiples, array sizes, uniqueness,
prefixItems, nested objects and arrays.

The schema comes from the client and may be broken, hostile or unsatisfiable: every
keyword is read defensively, sizes are capped, and the work is bounded (a budget of nodes,
a hard depth); past a bound the instance is a best-effort one rather than a valid one.
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
# Past this depth arrays stay as short as allowed and anyOf / oneOf take the branch that
# ends soonest, so recursive schemas end.
MAX_DEPTH = 6
# Past this depth (a schema that requires itself) and once the budget of nodes is spent,
# the rest is filled in without looking further.
HARD_DEPTH = 32
BUDGET = 2_000
# Caps on the sizes a schema asks for: a reply is a sample, not a load test.
MAX_ITEMS = 64
MAX_PROPERTIES = 64
MAX_LENGTH = 4_096
# JSON integers a client's parser takes (orjson writes no wider ones).
_INT_RANGE = (-(2**63), 2**63 - 1)


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


def _size(schema: Mapping[str, Any], key: str, default: int, cap: int) -> int:
    """A count keyword (`minItems`, `maxLength`, ...) as a bounded int; `default` if unusable."""
    value = schema.get(key)
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int:
        return default
    return max(0, min(value, cap))


class _Generator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.budget = BUDGET

    def resolve(self, ref: str) -> Any:
        node: Any = self.root
        for part in ref.removeprefix("#").strip("/").split("/"):
            if not part:
                continue
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping):
                node = node.get(key, {})
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return {}  # a pointer to nowhere: any instance will do
        return node

    def make(self, schema: Any, depth: int, variant: int) -> Any:
        if schema is True or not isinstance(schema, Mapping):
            return "example"
        self.budget -= 1
        if self.budget <= 0 or depth > HARD_DEPTH:
            return _plain(schema)
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
        if isinstance(schema.get("allOf"), list) and schema["allOf"]:
            merged = _merge([schema, *schema["allOf"]])
            return self.make(merged, depth, variant)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.branch(schema, key, depth, variant)
        return self.typed(schema, _type_of(schema), depth, variant)

    def branch(self, schema: Mapping[str, Any], key: str, depth: int, variant: int) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        options = list(schema[key])
        if depth >= MAX_DEPTH:
            options.sort(key=_ends_soon, reverse=True)
        else:  # a null branch is the least telling sample, so it comes last
            options.sort(key=lambda b: isinstance(b, Mapping) and b.get("type") == "null")
        first = None
        # Made one at a time: each branch may be a whole subtree, and the first fits mostly.
        for i, option in enumerate(options):
            candidate = self.make(_merge([rest, option]), depth + 1, variant)
            if i == 0:
                first = candidate
            self.budget -= 10  # a validation costs about as much as ten nodes
            if self.budget <= 0 or is_valid(schema, candidate, self.root):
                return candidate
        return first

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
        required = schema.get("required")
        names = list(dict.fromkeys(n for n in _list(required) if isinstance(n, str)))
        wanted = _size(schema, "minProperties", 0, MAX_PROPERTIES)
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
        prefix = [self.make(s, depth + 1, 0) for s in _list(schema.get("prefixItems"))[:MAX_ITEMS]]
        items = schema.get("items", {} if not prefix else False)
        low = _size(schema, "minItems", 0, MAX_ITEMS)
        count = max(low, len(prefix) + (1 if depth < MAX_DEPTH and items is not False else 0))
        count = min(count, _size(schema, "maxItems", MAX_ITEMS, MAX_ITEMS))
        out = prefix[:count]
        out += [self.make(items, depth + 1, i) for i in range(len(out), count)]
        if isinstance(schema.get("contains"), Mapping) and not any(
            is_valid(schema["contains"], v, self.root) for v in out
        ):
            out[-1:] = [self.make(schema["contains"], depth + 1, 0)]
        return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ends_soon(option: Any) -> int:
    """How surely a branch ends the recursion: null, then other scalars, then the rest."""
    if not isinstance(option, Mapping):
        return 0
    if option.get("type") == "null" or option.get("const", 0) is None:
        return 3
    if "$ref" in option:
        return 0
    return 2 if option.get("type") in ("string", "number", "integer", "boolean") else 1


def _plain(schema: Mapping[str, Any]) -> Any:
    """The cheapest sample of a schema's type, for when no more work may be spent."""
    if "const" in schema:
        return schema["const"]
    kind = _type_of(schema)
    samples = {"object": {}, "array": [], "integer": 0, "number": 0, "boolean": True}
    return samples.get(kind, None if kind == "null" else "example")


def _merge(parts: Sequence[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "allOf":
                continue
            if key == "properties" and key in merged:
                if isinstance(value, Mapping) and isinstance(merged[key], Mapping):
                    merged[key] = {**merged[key], **value}
            elif key == "required" and isinstance(merged.get(key), list):
                merged[key] = [*merged[key], *[v for v in _list(value) if v not in merged[key]]]
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
    low = _size(schema, "minLength", 0, MAX_LENGTH)
    high = _size(schema, "maxLength", MAX_LENGTH, MAX_LENGTH)
    if len(value) < low:
        value += "x" * (low - len(value))
    return value[:high]


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
    if isinstance(step, int | float) and step > 0 and math.isfinite(value / step):
        value = math.ceil(round(value / step, 9)) * step
    if not math.isfinite(value):
        return 0  # bounds no finite number meets (one of ±inf after the arithmetic)
    if integer or float(value).is_integer():
        whole = math.ceil(value) if low > -math.inf else math.floor(value)
        if _INT_RANGE[0] <= whole <= _INT_RANGE[1]:
            return int(whole)
        return float(value)  # wider than a 64-bit integer: written as a JSON number
    return value
