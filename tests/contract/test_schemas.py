"""The schema files themselves: valid draft 2020-12, every `$ref` resolves, unions are
well formed, only keywords the error wording knows are used, and the fast and the
detailed validator agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import jsonschema
import pytest

from mockserver.contract.schema_errors import WORDED_KEYWORDS
from mockserver.contract.schema_store import BASE_URI, SchemaStore
from mockserver.resources import schemas_dir

API_FILES = sorted(p for p in schemas_dir().glob("*.json") if p.name != "scenario.schema.json")
# Keywords that only structure or annotate, and never fail on their own.
STRUCTURAL = {
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "properties",
    "items", "discriminator",
}  # fmt: skip


@pytest.fixture(scope="module")
def store() -> SchemaStore:
    return SchemaStore()


def subschemas(node: Any, base: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(node, list):
        for child in node:
            yield from subschemas(child, base)
    elif isinstance(node, dict):
        yield node, base
        for key, child in node.items():
            if key in ("properties", "$defs"):
                for sub in child.values():
                    yield from subschemas(sub, base)
            elif key not in ("const", "enum", "required", "discriminator"):
                yield from subschemas(child, base)


def all_subschemas(store: SchemaStore) -> Iterator[tuple[dict[str, Any], str]]:
    for uri, doc in store.documents.items():
        yield from subschemas(doc, uri)


def test_the_api_schema_files_are_all_loaded(store: SchemaStore) -> None:
    names = {p.name for p in API_FILES}
    assert names >= {
        "common.json", "content-blocks.json", "messages.json", "tools.json", "request.json",
        "response.json", "stream-events.json", "errors.json", "models.json",
    }  # fmt: skip
    assert set(store.documents) == {BASE_URI + n for n in names}


@pytest.mark.parametrize("path", API_FILES, ids=lambda p: p.name)
def test_each_file_is_valid_draft_2020_12(path: Any) -> None:
    doc = json.loads(path.read_text())
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == BASE_URI + path.name
    jsonschema.Draft202012Validator.check_schema(doc)


def test_every_ref_resolves(store: SchemaStore) -> None:
    refs = 0
    for node, base in all_subschemas(store):
        if "$ref" in node:
            store.resolve(base, node["$ref"])  # raises KeyError if the target is missing
            refs += 1
            assert urljoin(base, node["$ref"]).startswith(BASE_URI), "no remote references"
    assert refs > 500


def test_only_worded_keywords_are_used(store: SchemaStore) -> None:
    used = {key for node, _ in all_subschemas(store) for key in node}
    assert used - STRUCTURAL - WORDED_KEYWORDS == set()


def test_objects_are_closed_except_free_form_ones(store: SchemaStore) -> None:
    open_objects = [
        (base, json.dumps(node)[:80])
        for node, base in all_subschemas(store)
        if node.get("type") in ("object", ["object", "null"])
        and "properties" in node
        and "additionalProperties" not in node
    ]
    # input_schema (any JSON Schema) and error details (grows with new error codes).
    assert len(open_objects) == 2, open_objects


def test_tagged_union_members_have_distinct_tags(store: SchemaStore) -> None:
    tagged = [u for u in store.unions.values() if u.discriminator is not None]
    assert len(tagged) > 30
    for union in tagged:
        tags = [t for b in union.branches for t in b.tags]
        assert len(tags) == len(set(tags))
        assert all(b.tags for b in union.branches)
        assert sum(b.untagged for b in union.branches) <= 1


def test_unions_index_the_very_nodes_jsonschema_reports(store: SchemaStore) -> None:
    schema = store.compile("request.json#/$defs/create_2026")
    body = {
        "model": "m",
        "max_tokens": 1,
        "messages": [{"role": "user", "content": [{"type": "nope"}]}],
    }
    unions = [e for e in schema.detailed.iter_errors(body) if e.validator == "anyOf"]
    assert unions
    assert all(id(e.schema) in store.unions for e in unions)


BODIES: list[Any] = [
    {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]},
    {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}], "top_k": 3},
    {"model": "m", "max_tokens": -1, "messages": []},
    {
        "model": 5,
        "max_tokens": 1,
        "messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [],
        "tools": [{"name": "t", "input_schema": {"type": "object"}}],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [],
        "tools": [{"type": "computer_20250124", "name": "computer"}],
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [],
        "thinking": {"type": "enabled", "budget_tokens": 1023},
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [],
        "container": {"skills": [{"skill_id": "s", "type": "x"}]},
    },
    {
        "model": "m",
        "max_tokens": 1,
        "messages": [{"role": "system", "content": [{"type": "image"}]}],
    },
    [],
    "body",
]


@pytest.mark.parametrize(
    "root",
    [
        "create_2026",
        "create_2023",
        "create_beta_2026",
        "create_beta_2023",
        "count_tokens",
        "count_tokens_beta",
    ],
)
def test_fast_and_detailed_validators_agree(store: SchemaStore, root: str) -> None:
    schema = store.compile(f"request.json#/$defs/{root}")
    for body in BODIES:
        assert schema.fast.is_valid(body) == schema.detailed.is_valid(body), body
