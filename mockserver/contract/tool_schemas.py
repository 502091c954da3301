"""Client tools' `input_schema`s: each must be a valid JSON Schema (draft 2020-12).

The API checks them so and answers 400 for one that is not (observed, Bedrock passing the
API's message on: acomagu/vscode-as-mcp-server #6, `tools.18.custom.input_schema: JSON
schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/
draft/2020-12). Learn more about tool use at https://docs.anthropic.com/en/docs/tool-use.`).
Agents resend the same tools with every request: the verdict on a request's whole `tools`
list is remembered by its JSON, so a repeat costs one serialization and a lookup. A new
list is checked by jsonschema_rs (microseconds a schema); pure-Python jsonschema,
hundreds of times slower, has the last word on a schema jsonschema_rs refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ..errors import Problem
from ..signing.canonical import RawJsonMemo

_INVALID = (
    "JSON schema is invalid. It must match JSON Schema draft 2020-12 "
    "(https://json-schema.org/draft/2020-12). Learn more about tool use at "
    "https://docs.anthropic.com/en/docs/tool-use."
)
_CHECKER = Draft202012Validator(Draft202012Validator.META_SCHEMA)
_FAST_CHECKER = jsonschema_rs.Draft202012Validator(Draft202012Validator.META_SCHEMA)


def tool_schema_problem(tools: Any) -> Problem | None:
    """The first client tool whose `input_schema` is no valid JSON Schema, as the API's 400."""
    if type(tools) is not list or not tools:
        return None
    return _verdicts(tools)


def _check(tools: list[Any]) -> Problem | None:
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or tool.get("type") not in (None, "custom"):
            continue
        schema = tool.get("input_schema")
        if isinstance(schema, Mapping) and not _valid(schema):
            path = f"tools.{i}.custom.input_schema"
            return Problem(f"{path}: {_INVALID}", rule="tool_input_schema", path=path)
    return None


# Looked up by the list's JSON text, which is compared rather than hashed (a 70 KB list).
_verdicts = RawJsonMemo(_check, budget=16 << 20)


def _valid(schema: Mapping[str, Any]) -> bool:
    # Both agree on ~100,000 random schemas; a refusal is left to the checker whose
    # verdicts (a schema too deep for it passes) the server has always given.
    try:
        if _FAST_CHECKER.is_valid(schema):
            return True
    except ValueError:  # data jsonschema_rs cannot take: the Python checker decides
        pass
    try:
        error = next(_CHECKER.iter_errors(schema), None)
    except RecursionError:
        return True  # too deep to check here; the default reply copes with what it gets
    except SchemaError:
        return False
    return error is None
