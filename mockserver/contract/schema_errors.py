"""jsonschema's errors, reworded as the API words them.

The API validates bodies with pydantic (python mode) and answers the first error as
``<dotted path>: <pydantic message>``, e.g. ``max_tokens: Field required`` or
``messages.0.content.1.tool_use.text: Extra inputs are not permitted``. Where a
value sits in a tagged union, the path names the member it was taken for
(``thinking.enabled.budget_tokens``); a plain union (string or list, value or
null) is resolved by the value's JSON type and adds nothing to the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from .schema_store import Branch, SchemaUnion, instance_types

_TYPE_WORDS = {
    "string": "a valid string",
    "integer": "a valid integer",
    "number": "a valid number",
    "boolean": "a valid boolean",
    # pydantic says "or instance of <Model>" for nested models; the API's class names
    # are not public, so objects get the wording of a plain dict field (observed:
    # `messages.3.content.1.tool_use.input: Input should be a valid dictionary`).
    "object": "a valid dictionary",
    "array": "a valid list",
    "null": "None",
}
_TYPE_WORDS_TEXT = {k: f"Input should be {v}" for k, v in _TYPE_WORDS.items()}
_NOT_AN_OBJECT_FOR_UNION = "Input should be a valid dictionary or object to extract fields from"


@dataclass(frozen=True)
class Finding:
    path: tuple[str, ...]
    text: str

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def message(self) -> str:
        return f"{self.dotted}: {self.text}" if self.path else self.text


def explain(errors: Iterable[ValidationError], unions: Mapping[int, SchemaUnion]) -> list[Finding]:
    """Every distinct finding, in the order jsonschema met them."""
    found: dict[Finding, None] = {}
    for error in errors:
        for finding in _explain(error, (), unions):
            found.setdefault(finding)
    return list(found)


def _explain(
    error: ValidationError, prefix: tuple[str, ...], unions: Mapping[int, SchemaUnion]
) -> Iterator[Finding]:
    path = prefix + tuple(str(p) for p in error.relative_path)
    keyword = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if keyword == "anyOf" and id(schema) in unions:
        yield from _explain_union(error, path, unions[id(schema)], unions)
    elif keyword == "required":
        for name in expected:
            if name not in instance:
                yield Finding((*path, name), "Field required")
    elif keyword == "additionalProperties":
        declared = schema.get("properties", {})
        for name in instance:
            if name not in declared:
                yield Finding((*path, str(name)), "Extra inputs are not permitted")
    else:
        yield Finding(path, _scalar_text(str(keyword), expected, instance, error.message))


def _scalar_text(keyword: str, expected: Any, instance: Any, fallback: str) -> str:
    if keyword == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        kind = next((k for k in kinds if k != "null"), kinds[0])
        if kind == "integer" and type(instance) is float:
            # pydantic's int_from_float wording (a guess for the API: not seen quoted).
            return f"{_TYPE_WORDS_TEXT[kind]}, got a number with a fractional part"
        return _TYPE_WORDS_TEXT[kind]
    if keyword == "enum":
        return literal_text(expected)
    if keyword == "const":
        return literal_text([expected])
    if keyword == "minLength":
        return f"String should have at least {expected} character{_plural(expected)}"
    if keyword == "maxLength":
        return f"String should have at most {expected} character{_plural(expected)}"
    if keyword == "pattern":
        return f"String should match pattern '{expected}'"
    if keyword in _BOUNDS:
        return f"Input should be {_BOUNDS[keyword]} {_number(expected)}"
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        items = f"{expected} item{_plural(expected)}"
        return f"List should have {bound} {items} after validation, not {len(instance)}"
    # A keyword the API schemas do not use (a test keeps that list closed).
    return fallback


_BOUNDS = {
    "minimum": "greater than or equal to",
    "exclusiveMinimum": "greater than",
    "maximum": "less than or equal to",
    "exclusiveMaximum": "less than",
}
WORDED_KEYWORDS = frozenset(
    {"anyOf", "required", "additionalProperties", "type", "enum", "const", "minLength",
     "maxLength", "pattern", "minItems", "maxItems", *_BOUNDS}
)  # fmt: skip


def literal_text(values: Iterable[Any]) -> str:
    """pydantic's literal_error: ``Input should be 'a', 'b' or 'c'`` (an Optional drops None)."""
    shown = [f"'{v}'" for v in values if v is not None]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"Input should be {listed}"


def _explain_union(
    error: ValidationError,
    path: tuple[str, ...],
    union: SchemaUnion,
    unions: Mapping[int, SchemaUnion],
) -> Iterator[Finding]:
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    instance = error.instance
    if union.discriminator is not None:
        yield from _explain_tagged(instance, path, union, by_branch, unions)
        return
    kinds = instance_types(instance)
    candidates = [i for i, b in enumerate(union.branches) if b.types & kinds]
    if candidates:
        # pydantic's smart mode keeps the member the value fits best: the fewest errors.
        best = min(candidates, key=lambda i: len(by_branch.get(i, ())))
        for sub in by_branch.get(best, ()):
            yield from _explain(sub, path, unions)
        return
    # No member takes this JSON type; the API then names the last one (observed:
    # `messages.0.content: Input should be a valid list` for a string-or-list field).
    yield Finding(path, _mismatch_text([b for b in union.branches if b.types != {"null"}][-1]))


def _explain_tagged(
    instance: Any,
    path: tuple[str, ...],
    union: SchemaUnion,
    by_branch: Mapping[int, list[ValidationError]],
    unions: Mapping[int, SchemaUnion],
) -> Iterator[Finding]:
    prop = union.discriminator
    assert prop is not None
    by_role = prop == "role"
    if not isinstance(instance, dict):
        yield Finding(path, _TYPE_WORDS_TEXT["object"] if by_role else _NOT_AN_OBJECT_FOR_UNION)
        return
    index = union.branch_for(instance)
    if index is None:
        yield (
            _unknown_role(instance, path, union)
            if by_role
            else _unknown_tag(instance, path, union, prop)
        )
        return
    branch = union.branches[index]
    tag = instance.get(prop)
    # A message's role picks its model without entering the path
    # (`messages.0.content.1.tool_use.text`); every other union names its member.
    name = tag if isinstance(tag, str) and tag in branch.tags else branch.tags[0]
    member = () if by_role else (name,)
    for sub in by_branch.get(index, ()):
        yield from _explain(sub, (*path, *member), unions)


def _unknown_tag(
    instance: Mapping[str, Any], path: tuple[str, ...], union: SchemaUnion, prop: str
) -> Finding:
    if prop not in instance:
        return Finding(path, f"Unable to extract tag using discriminator '{prop}'")
    # Listed alphabetically, as the API does (AstrBotDevs/AstrBot#4444).
    expected = ", ".join(f"'{t}'" for t in sorted(t for b in union.branches for t in b.tags))
    return Finding(
        path,
        f"Input tag '{instance[prop]}' found using '{prop}' "
        f"does not match any of the expected tags: {expected}",
    )


def _unknown_role(
    instance: Mapping[str, Any], path: tuple[str, ...], union: SchemaUnion
) -> Finding:
    # The API checks roles itself, at the list's path: `messages: Unexpected role "ai".
    # Allowed roles are "user" or "assistant"` (langchain-ai/langchain#16563, before
    # system messages). Adding "system" to that list, and the wording for a missing
    # role, are inferences.
    if "role" not in instance:
        return Finding((*path, "role"), "Field required")
    roles = [f'"{t}"' for b in union.branches for t in b.tags]
    allowed = f"{', '.join(roles[:-1])} or {roles[-1]}"
    return Finding(path[:-1], f'Unexpected role "{instance["role"]}". Allowed roles are {allowed}')


def _mismatch_text(branch: Branch) -> str:
    if branch.tagged_union:
        return _NOT_AN_OBJECT_FOR_UNION
    if branch.literals is not None:
        return literal_text(branch.literals)
    kind = next(k for k in _MISMATCH_ORDER if k in branch.types)
    return _TYPE_WORDS_TEXT[kind]


_MISMATCH_ORDER = ("array", "object", "string", "number", "integer", "boolean")


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _number(value: float) -> str:
    # pydantic prints a bound of 1.0 as "1".
    return str(int(value)) if float(value).is_integer() else str(value)
