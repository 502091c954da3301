"""Hypothesis strategies for instances of the API's own request schemas (schemas/*.json).

A small generator for the keywords those schemas use (type, const, enum, properties,
required, additionalProperties, anyOf, items, min/max bounds, pattern). Recursion is cut
by a depth budget: past it, objects get only their required fields and arrays their
fewest items, so every draw is small and finite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

from hypothesis import strategies as st

from mockserver.catalog import Catalog
from mockserver.resources import schemas_dir

Schema = Mapping[str, Any]
# Past this many nested objects/arrays a draw takes the smallest shape that fits.
MAX_DEPTH = 6
# The model id is free text in the schema; most draws name a served model, so the request
# gets past the 404 and through the rules, the matching and the reply.
_MODEL_REF = "common.json#/$defs/model"
# Likewise a max_tokens within every model's output limit.
_MAX_TOKENS_REF = "request.json#/$defs/max_tokens"
_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _TEXT


def _load() -> dict[str, Schema]:
    folder = schemas_dir()
    return {path.name: json.loads(path.read_text()) for path in folder.glob("*.json")}


_FILES = _load()


def served_models() -> list[str]:
    return [spec.id for spec in Catalog.load() if spec.served]


def _resolve(file: str, ref: str) -> tuple[str, Schema]:
    target, fragment = urldefrag(ref)
    file = target or file
    node: Any = _FILES[file]
    for part in fragment.lstrip("/").split("/") if fragment else ():
        node = node[part]
    return file, node


def request_body(root: str, models: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies valid against `request.json#/$defs/<root>`."""
    return _Builder(models).build("request.json", {"$ref": f"#/$defs/{root}"}, 0)  # type: ignore[return-value]


class _Builder:
    def __init__(self, models: list[str]) -> None:
        # one_of draws its members about evenly: four to one for the served models
        served = st.sampled_from(models)
        self.model = st.one_of(served, served, served, served, _TEXT)

    def build(self, file: str, node: Schema, depth: int) -> st.SearchStrategy[Any]:
        if "$ref" in node:
            ref_file, target = _resolve(file, node["$ref"])
            ref = f"{ref_file}#{urldefrag(node['$ref']).fragment}"
            if ref == _MODEL_REF:
                return self.model
            if ref == _MAX_TOKENS_REF:
                small = st.integers(1, 4_096)
                return st.one_of(small, small, small, self.build(ref_file, target, depth))
            # deferred: a schema that refers to itself builds only as deep as it is drawn
            return st.deferred(lambda: self.build(ref_file, target, depth))
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        if "anyOf" in node:
            members = [self.build(file, m, depth) for m in node["anyOf"]]
            return st.one_of(members[:1] if depth >= MAX_DEPTH else members)
        kind = node.get("type")
        if isinstance(kind, list):
            return st.one_of([self.build(file, {**node, "type": k}, depth) for k in kind])
        if kind == "object" or "properties" in node:
            return self._object(file, node, depth)
        if kind == "array":
            return self._array(file, node, depth)
        if kind == "string":
            return self._string(node)
        if kind in ("integer", "number"):
            return self._number(node, kind)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return _SCALARS  # {} or annotations only: anything goes

    def _object(self, file: str, node: Schema, depth: int) -> st.SearchStrategy[Any]:
        props: Mapping[str, Schema] = node.get("properties", {})
        required = [name for name in node.get("required", []) if name in props]
        optional = [] if depth >= MAX_DEPTH else [n for n in props if n not in required]
        fixed = st.fixed_dictionaries(
            {n: self.build(file, props[n], depth + 1) for n in required},
            optional={n: self.build(file, props[n], depth + 1) for n in optional},
        )
        extra = node.get("additionalProperties", True)
        if extra is False or depth >= MAX_DEPTH or not props:
            if props or extra is False:
                return fixed
            return st.dictionaries(_TEXT, _SCALARS, max_size=3)
        values = _SCALARS if extra is True else self.build(file, extra, depth + 1)
        more = st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=2)
        return st.tuples(more, fixed).map(lambda pair: {**pair[0], **pair[1]})

    def _array(self, file: str, node: Schema, depth: int) -> st.SearchStrategy[Any]:
        low = node.get("minItems", 0)
        high = node.get("maxItems", low + (3 if depth < MAX_DEPTH else 0))
        items = self.build(file, node.get("items", {}), depth + 1)
        return st.lists(items, min_size=low, max_size=min(high, low + 3))

    @staticmethod
    def _string(node: Schema) -> st.SearchStrategy[Any]:
        if "pattern" in node:
            pattern = node["pattern"]
            high = node.get("maxLength", 64)
            return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= high)
        low = node.get("minLength", 0)
        return st.text(
            st.characters(codec="utf-8"), min_size=low, max_size=node.get("maxLength", low + 40)
        )

    @staticmethod
    def _number(node: Schema, kind: str) -> st.SearchStrategy[Any]:
        low = node.get("minimum")
        high = node.get("maximum")
        if "exclusiveMinimum" in node:
            low = node["exclusiveMinimum"] + (1 if kind == "integer" else 1e-9)
        if kind == "integer":
            return st.integers(
                low if low is not None else -(2**31), high if high is not None else 2**31
            )
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
