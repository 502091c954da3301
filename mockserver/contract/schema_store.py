"""The API's JSON Schemas, loaded and compiled once, at startup.

Each schema is compiled twice: by `jsonschema_rs` for the fast yes/no answer every
request gets, and by `jsonschema` for the detailed errors of the rare invalid one.
Unions (`anyOf`) are indexed up front so the error wording can name the member a
value was taken for, as the API does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema
import jsonschema_rs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ..resources import schemas_dir

BASE_URI = "https://mockserver.invalid/schemas/"
# Our own file format lives in the same folder but describes no API object.
_NOT_API_SCHEMAS = frozenset({"scenario.schema.json"})
_ANNOTATIONS = frozenset({"$ref", "$comment", "description", "title"})
ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Branch:
    """One member of a union, as far as choosing it and wording a mismatch need."""

    types: frozenset[str]
    # Discriminator values that select this member (tagged unions only).
    tags: tuple[str, ...] = ()
    # Taken when the discriminator is absent or null (custom tools: `type` is optional).
    untagged: bool = False
    # The member is itself a tagged union: a non-object gets its own wording.
    tagged_union: bool = False
    # The member is a literal (`const`/`enum`): a mismatch lists the allowed values.
    literals: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class SchemaUnion:
    discriminator: str | None
    branches: tuple[Branch, ...]

    def branch_for(self, instance: Mapping[str, Any]) -> int | None:
        """The member a tagged union picks for an object, or None if no tag matches."""
        assert self.discriminator is not None
        tag = instance.get(self.discriminator)
        for index, branch in enumerate(self.branches):
            if tag is None and branch.untagged:
                return index
            if isinstance(tag, str) and tag in branch.tags:
                return index
        return None


@dataclass(frozen=True)
class CompiledSchema:
    fast: jsonschema_rs.Validator
    detailed: Any  # a jsonschema Draft202012Validator (the library ships no precise type)


class SchemaStore:
    """Every API schema file, both registries, and the union index."""

    def __init__(self, folder: Path | None = None) -> None:
        self.documents: dict[str, dict[str, Any]] = _load(folder or schemas_dir())
        self._registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in self.documents.items()
        )
        self._fast_registry = jsonschema_rs.Registry(list(self.documents.items()))
        # Keyed by the identity of the `anyOf` node: jsonschema hands that very dict back
        # as `error.schema`, because the registry keeps the documents loaded here.
        self.unions: dict[int, SchemaUnion] = {}
        for uri, doc in self.documents.items():
            self._index(doc, uri)

    def compile(self, pointer: str) -> CompiledSchema:
        """Both validators for e.g. ``request.json#/$defs/create_2026``."""
        root = {"$ref": BASE_URI + pointer}
        fast = jsonschema_rs.Draft202012Validator(root, registry=self._fast_registry)
        detailed = jsonschema.Draft202012Validator(root, registry=self._registry)
        return CompiledSchema(fast, detailed)

    def resolve(self, base: str, ref: str) -> tuple[str, Schema]:
        """The document URI and the subschema a `$ref` found under `base` points at."""
        uri, fragment = urldefrag(urljoin(base, ref))
        node: Any = self.documents[uri]
        for part in filter(None, fragment.split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return uri, node

    def _index(self, node: Any, base: str) -> None:
        for child in _children(node):
            self._index(child, base)
        if isinstance(node, dict) and "anyOf" in node:
            discriminator = node.get("discriminator", {}).get("propertyName")
            branches = tuple(self._branch(b, base, discriminator) for b in node["anyOf"])
            self.unions[id(node)] = SchemaUnion(discriminator, branches)

    def _branch(self, node: Schema, base: str, discriminator: str | None) -> Branch:
        base, node = self._target(node, base)
        tags: tuple[str, ...] = ()
        untagged = False
        if discriminator is not None:
            prop = node.get("properties", {}).get(discriminator, {})
            values = [prop["const"]] if "const" in prop else prop.get("enum", [])
            tags = tuple(v for v in values if v is not None)
            untagged = discriminator not in node.get("required", ())
        literals = None
        if "const" in node or "enum" in node:
            literals = (node["const"],) if "const" in node else tuple(node["enum"])
        return Branch(
            types=self._types(node, base),
            tags=tags,
            untagged=untagged,
            tagged_union="discriminator" in node,
            literals=literals,
        )

    def _types(self, node: Schema, base: str) -> frozenset[str]:
        """The JSON types a subschema can accept at all."""
        if "$ref" in node and "type" not in node:
            target_base, target = self.resolve(base, node["$ref"])
            return self._types(target, target_base)
        if "type" in node:
            kind = node["type"]
            return frozenset([kind] if isinstance(kind, str) else kind)
        if "const" in node:
            return frozenset({json_type(node["const"])})
        if "enum" in node:
            return frozenset(json_type(v) for v in node["enum"])
        if "anyOf" in node:
            return frozenset().union(*(self._types(b, base) for b in node["anyOf"]))
        return ALL_TYPES

    def _target(self, node: Schema, base: str) -> tuple[str, Schema]:
        """Follow `$ref`s that only name another schema (perhaps with a note on it)."""
        while "$ref" in node and node.keys() <= _ANNOTATIONS:
            base, node = self.resolve(base, node["$ref"])
        return base, node


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def instance_types(value: Any) -> frozenset[str]:
    """The schema types a JSON value satisfies (an integer is also a number)."""
    kind = json_type(value)
    if kind == "integer" or (kind == "number" and float(value).is_integer()):
        return frozenset({"integer", "number"})
    return frozenset({kind})


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, list):
        yield from node
    elif isinstance(node, dict):
        for key, value in node.items():
            # Literal values are data, not subschemas.
            if key not in ("const", "enum", "required", "discriminator"):
                yield from value.values() if key in ("properties", "$defs") else [value]


def _load(folder: Path) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name in _NOT_API_SCHEMAS:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        documents[doc["$id"]] = doc
    return documents
