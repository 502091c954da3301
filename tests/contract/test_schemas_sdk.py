"""The request schemas accept everything the official SDK can send.

Walks the SDK's request param types by introspection, from `MessageCreateParams` and
`MessageCountTokensParams` (stable and beta) down to every content block, tool,
thinking and output option. For every TypedDict (and every response model a message may
echo back) it builds an instance that sets every key, places it in a minimal request at a
spot where the SDK would put it, and asserts the validator accepts the request. Each key
is also tried with each member of its Union / Literal. What cannot be generated is listed
in `NOT_GENERATED` with the reason; nothing else is skipped.
"""

from __future__ import annotations

import collections.abc
import copy
import random
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pydantic
import pytest
import typing_extensions
from anthropic.types import message_count_tokens_params, message_create_params
from anthropic.types.beta import message_count_tokens_params as beta_count_tokens_params
from anthropic.types.beta import message_create_params as beta_create_params

from mockserver.contract.context import VERSION_2026, RequestContext
from mockserver.contract.schema_store import BASE_URI, SchemaStore
from mockserver.contract.validation import RequestValidator

ROOTS = {
    ("messages", False): message_create_params.MessageCreateParamsStreaming,
    ("count_tokens", False): message_count_tokens_params.MessageCountTokensParams,
    ("messages", True): beta_create_params.MessageCreateParamsStreaming,
    ("count_tokens", True): beta_count_tokens_params.MessageCountTokensParams,
}

# (owner type name, key) -> why no instance is generated for it.
NOT_GENERATED: dict[tuple[str, str], str] = {
    ("*", "user_profile_id"): "an SDK argument sent as the anthropic-user-profile-id header",
    ("*", "workspace_id"): "an SDK argument sent as the anthropic-workspace-id header",
    ("*", "betas"): "an SDK argument sent as the anthropic-beta header",
}
# (owner type name, key, member) -> why that Union member is not tried.
MEMBERS_NOT_TRIED: dict[tuple[str, str, str], str] = {
    ("*", "data", "IO"): "the SDK encodes a file object to a base64 string before sending",
    ("*", "data", "PathLike"): "the SDK reads and base64-encodes a path before sending",
    ("ToolParam", "input_schema", "dict"): "the API requires `type` in input_schema "
    "(`tools.0.custom.input_schema.type: Field required`, Kilo-Org/kilocode#12238); the "
    "SDK's untyped dict member would let it be left out",
    ("BetaToolParam", "input_schema", "dict"): "as for ToolParam",
}
# Strings some fields need to pass their pattern or bounds; everything else is "x".
STRING_FOR = {
    "id": "srvtoolu_01A",  # fits both the client (^[a-zA-Z0-9_-]+$) and server tool id patterns
    "tool_use_id": "srvtoolu_01A",
    "tool_id": "srvtoolu_01A",
    "country": "US",
}
INT_FOR = {"budget_tokens": 2048, "total": 2048}

Step = tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    """One instance to try: a body for `kind`, and what it exercises."""

    kind: str
    beta: bool
    label: str
    body: dict[str, Any]


def unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) in (
        typing.Required, typing.NotRequired, typing_extensions.Required,
        typing_extensions.NotRequired, typing_extensions.ReadOnly, typing.Annotated,
    ):  # fmt: skip
        tp = typing.get_args(tp)[0]
    return tp


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def is_record(tp: Any) -> bool:
    return isinstance(tp, type) and (
        typing_extensions.is_typeddict(tp) or issubclass(tp, pydantic.BaseModel)
    )


def is_list(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return isinstance(origin, type) and issubclass(origin, collections.abc.Iterable)


def fields(tp: Any) -> dict[str, tuple[Any, bool]]:
    """Key -> (annotation, required) of a TypedDict or a response model."""
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return {f.alias or k: (f.annotation, f.is_required()) for k, f in tp.model_fields.items()}
    hints = typing.get_type_hints(tp, include_extras=True)
    # With postponed annotations `__required_keys__` is unreliable; read the markers.
    return {
        k: (
            v,
            typing.get_origin(v) in (typing.Required, typing_extensions.Required)
            or k in tp.__required_keys__,
        )
        for k, v in hints.items()
    }


def member_name(tp: Any) -> str:
    tp = unwrap(tp)
    origin = typing.get_origin(tp) or tp
    return getattr(origin, "__name__", str(origin))


def tried_members(owner: Any, key: str, tp: Any) -> list[Any]:
    members = typing.get_args(tp) if is_union(tp) else [tp]
    if isinstance(owner, type) and issubclass(owner, pydantic.BaseModel):
        # A response model's Optional means "may be absent", not "may be null".
        members = [m for m in members if m is not type(None)]
    return [
        m
        for m in members
        if (owner.__name__, key, member_name(m)) not in MEMBERS_NOT_TRIED
        and ("*", key, member_name(m)) not in MEMBERS_NOT_TRIED
    ]


def value(owner: Any, key: str, tp: Any, full: bool) -> Any:
    tp = unwrap(tp)
    origin = typing.get_origin(tp)
    if is_union(tp):
        return value(owner, key, tried_members(owner, key, tp)[0], full)
    if origin is typing.Literal:
        return next(a for a in typing.get_args(tp) if a is not None)
    if is_record(tp):
        return record(tp, full)
    if origin in (dict, collections.abc.Mapping) or tp is dict:
        args = typing.get_args(tp)
        return (
            {"k": value(owner, key, args[1], full)}
            if full and args and is_record(unwrap(args[1]))
            else {}
        )
    if is_list(tp):
        return [value(owner, key, typing.get_args(tp)[0], full)] if full else []
    return scalar(key, tp)


def scalar(key: str, tp: Any) -> Any:
    if tp is str:
        return STRING_FOR.get(key, "x")
    if tp is bool:
        return True
    if tp is int:
        return INT_FOR.get(key, 1)
    if tp is float:
        return 0.5
    if tp is object or tp is type(None):
        return {} if tp is object else None
    raise AssertionError(f"no generator for {key}: {tp!r}")


def record(tp: Any, full: bool) -> dict[str, Any]:
    return {
        key: value(tp, key, ann, full)
        for key, (ann, required) in fields(tp).items()
        if (full or required) and not skipped(tp, key)
    }


def skipped(owner: Any, key: str) -> bool:
    return (owner.__name__, key) in NOT_GENERATED or ("*", key) in NOT_GENERATED


def walk(tp: Any, path: tuple[Step, ...], seen: dict[Any, tuple[Step, ...]]) -> None:
    """Record the first path from the root to every record type."""
    tp = unwrap(tp)
    if is_union(tp):
        for member in typing.get_args(tp):
            walk(member, path, seen)
    elif is_record(tp):
        if tp in seen:
            return
        seen[tp] = path
        for key, (ann, _) in fields(tp).items():
            if not skipped(tp, key):
                walk(ann, (*path, ("key", tp, key)), seen)
    elif typing.get_origin(tp) in (dict, collections.abc.Mapping):
        walk(typing.get_args(tp)[1], (*path, ("value",)), seen)
    elif is_list(tp):
        walk(typing.get_args(tp)[0], (*path, ("item",)), seen)


def place(path: tuple[Step, ...], leaf: Any) -> Any:
    """A minimal instance of the path's root with `leaf` at the end of the path."""
    if not path:
        return leaf
    step, inner = path[0], place(path[1:], leaf)
    if step[0] == "key":
        parent = record(step[1], full=False)
        parent[step[2]] = inner
        return parent
    return [inner] if step[0] == "item" else {"k": inner}


def cases() -> Iterator[Case]:
    for (kind, beta), root in ROOTS.items():
        seen: dict[Any, tuple[Step, ...]] = {}
        walk(root, (), seen)
        for tp, path in seen.items():
            full = record(tp, full=True)
            yield Case(kind, beta, f"{tp.__name__} (every key)", place(path, full))
            for key, (ann, _) in fields(tp).items():
                if skipped(tp, key):
                    continue
                for variant in variants(tp, key, ann):
                    yield Case(
                        kind,
                        beta,
                        f"{tp.__name__}.{key} = {variant!r:.60}",
                        place(path, {**full, key: variant}),
                    )


def variants(owner: Any, key: str, ann: Any) -> Iterator[Any]:
    """One value per Union member and per Literal value of a key."""
    tp = unwrap(ann)
    for member in map(unwrap, tried_members(owner, key, tp)):
        if typing.get_origin(member) is typing.Literal:
            yield from (a for a in typing.get_args(member) if a is not None)
        else:
            yield value(owner, key, member, full=True)


ALL_CASES = list(cases())


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    return RequestValidator()


def test_the_walk_reaches_every_area() -> None:
    names = {c.label.split(" ")[0].split(".")[0] for c in ALL_CASES}
    for expected in (
        "CitationPageLocationParam", "ToolResultBlockParam", "BrowserStateBlockParam",
        "WebFetchTool20260318Param", "ComputerToolset20260801Param", "OutputConfigParam",
        "ThinkingConfigAdaptiveParam", "ContainerParams", "SystemMessageParam", "TextBlock",
        "BetaMCPToolsetParam", "BetaCompact20260112EditParam", "BetaThreadContinueParams",
        "BetaFallbackParam", "BetaRequestToolAdditionBlockParam",
        "BetaToolComputerUse20251124Param",
    ):  # fmt: skip
        assert expected in names
    assert len(ALL_CASES) > 1500


@pytest.mark.parametrize("beta", [False, True], ids=["stable", "beta"])
@pytest.mark.parametrize("kind", ["messages", "count_tokens"])
def test_every_sdk_shape_is_accepted(validator: RequestValidator, kind: str, beta: bool) -> None:
    ctx = RequestContext("req_test", "key", VERSION_2026, frozenset({"x-beta"} if beta else ()), {})
    rejected = [
        f"{case.label}: {problems[0].message}"
        for case in ALL_CASES
        if case.kind == kind
        and case.beta == beta
        and (problems := validator.check(kind, case.body, ctx))  # type: ignore[arg-type]
    ]
    assert rejected == []


def test_exceptions_still_name_real_sdk_members() -> None:
    """An exception that no longer matches the SDK must be removed, not left to rot."""
    members = {
        (tp.__name__, key, member_name(m))
        for (_, _), root in ROOTS.items()
        for tp in _records(root)
        for key, (ann, _) in fields(tp).items()
        for m in (typing.get_args(unwrap(ann)) if is_union(unwrap(ann)) else [ann])
    }
    for owner, key, member in MEMBERS_NOT_TRIED:
        found = any(owner in ("*", o) and (key, member) == (k, m) for o, k, m in members)
        assert found, (owner, key, member)


def _records(root: Any) -> list[Any]:
    seen: dict[Any, tuple[Step, ...]] = {}
    walk(root, (), seen)
    return list(seen)


HEADER_ARGUMENTS = {"user_profile_id", "workspace_id", "betas"}
SAMPLING = {"temperature", "top_p", "top_k"}  # gone from SDK 2.x; still taken under 2023-06-01
LEGACY_BETA = {"output_format"}  # the pre-output_config structured outputs, sent by LiteLLM
# Sent by Claude Code and the AI SDK 4.x (dangerous-tool-use-2026-09-03); not in the SDK yet.
CLIENT_BETA = {"safeguards"}
ROOT_SCHEMAS = {
    "create_2026": (ROOTS[("messages", False)], set()),
    "create_2023": (ROOTS[("messages", False)], SAMPLING),
    "create_beta_2026": (ROOTS[("messages", True)], LEGACY_BETA | CLIENT_BETA),
    "create_beta_2023": (ROOTS[("messages", True)], LEGACY_BETA | SAMPLING | CLIENT_BETA),
    "count_tokens": (ROOTS[("count_tokens", False)], set()),
    "count_tokens_beta": (ROOTS[("count_tokens", True)], set()),
}


@pytest.mark.parametrize("root", ROOT_SCHEMAS)
def test_top_level_parameters_match_the_sdk(root: str) -> None:
    """Both ways: no SDK parameter is missing, and every extra one is listed with its reason."""
    sdk_type, extras = ROOT_SCHEMAS[root]
    schema = SchemaStore().documents[BASE_URI + "request.json"]["$defs"][root]
    assert set(schema["properties"]) == set(fields(sdk_type)) - HEADER_ARGUMENTS | extras


def test_the_detailed_validator_agrees_on_sdk_shapes() -> None:
    store = SchemaStore()
    schemas = {
        ("messages", False): store.compile("request.json#/$defs/create_2026"),
        ("messages", True): store.compile("request.json#/$defs/create_beta_2026"),
        ("count_tokens", False): store.compile("request.json#/$defs/count_tokens"),
        ("count_tokens", True): store.compile("request.json#/$defs/count_tokens_beta"),
    }
    sample = ALL_CASES[::7]
    disagree = [c.label for c in sample if not schemas[(c.kind, c.beta)].detailed.is_valid(c.body)]
    assert disagree == []


def mutated(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The body with one value replaced, removed, or one unknown key added."""
    body = copy.deepcopy(body)
    spots: list[tuple[Any, Any]] = []
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        for key in keys:
            spots.append((node, key))
            if isinstance(node[key], (dict, list)):
                stack.append(node[key])
    parent, key = rng.choice(spots)
    roll = rng.random()
    if roll < 0.6 or not isinstance(parent, dict):
        parent[key] = rng.choice([None, 0, -1, 1.5, "", "x", True, [], {}, [1], {"type": "zzz"}])
    elif roll < 0.8:
        del parent[key]
    else:
        parent["unexpected"] = 1
    return body


def test_mutated_sdk_shapes_get_worded_problems(validator: RequestValidator) -> None:
    """On 300 broken bodies, both validators agree, and every refusal is worded as the API's."""
    rng = random.Random(7)
    store = SchemaStore()
    roots = {
        ("messages", False): "create_2026",
        ("messages", True): "create_beta_2026",
        ("count_tokens", False): "count_tokens",
        ("count_tokens", True): "count_tokens_beta",
    }
    schemas = {key: store.compile(f"request.json#/$defs/{root}") for key, root in roots.items()}
    for case in rng.sample(ALL_CASES, 300):
        body = mutated(case.body, rng)
        ctx = RequestContext("req", "key", VERSION_2026, frozenset({"b"} if case.beta else ()), {})
        problems = validator.check(case.kind, body, ctx)  # type: ignore[arg-type]
        schema = schemas[(case.kind, case.beta)]
        assert schema.fast.is_valid(body) == schema.detailed.is_valid(body) == (not problems)
        for problem in problems:
            assert " is not " not in problem.message, problem.message  # jsonschema's own words
